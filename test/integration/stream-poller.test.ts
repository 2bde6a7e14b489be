import { PutCommand } from '@aws-sdk/lib-dynamodb';
import type { DynamoDBStreamEvent } from 'aws-lambda';
import { afterEach, describe, expect, it } from 'vitest';
import { ensureTables } from '../../local/dynamodb.ts';
import { type StreamFailure, StreamPoller } from '../../local/streams.ts';
import { documentClient } from '../../shared/store/dynamo.ts';
import { ACTIVITIES_TABLE } from '../../shared/store/tables.ts';
import type { StreamConsumer } from '../../shared/streams.ts';
import { runtime, until } from '../helpers/runtime.ts';

// A table of this file's own in the run's DynamoDB Local, read by pollers this file starts: the event source
// mapping settings the CDK stack uses, honoured on the real stream.
const client = documentClient(runtime.dynamodbEndpoint);
const pollers: StreamPoller[] = [];

const consumer = (overrides: Partial<StreamConsumer>): StreamConsumer => ({
  handler: 'test',
  table: 'activities',
  batchSize: 10,
  maxBatchingWindowSeconds: 0,
  retryAttempts: 2,
  maxRecordAgeSeconds: 3600,
  bisectBatchOnError: true,
  reportBatchItemFailures: true,
  filters: [{ eventName: ['INSERT'] }],
  ...overrides,
});

async function table(name: string): Promise<string> {
  const tableName = `${name}-${process.pid}-${Date.now()}`;
  await ensureTables(runtime.dynamodbEndpoint, [{ definition: ACTIVITIES_TABLE, name: tableName }]);
  return tableName;
}

async function poll(
  tableName: string,
  settings: StreamConsumer,
  handler: (event: DynamoDBStreamEvent) => Promise<{ batchItemFailures: { itemIdentifier: string }[] }>,
) {
  const failures: StreamFailure[] = [];
  const poller = new StreamPoller({
    endpoint: runtime.dynamodbEndpoint,
    tableName,
    consumer: settings,
    handler,
    onFailure: (f) => failures.push(f),
    checkpointFile: undefined,
    log: () => {},
  });
  pollers.push(poller);
  await poller.start();
  return failures;
}

const put = (tableName: string, n: number) =>
  client.send(
    new PutCommand({ TableName: tableName, Item: { pk: 'P', sk: `S#${String(n).padStart(3, '0')}` } }),
  );

const keysOf = (event: DynamoDBStreamEvent) => event.Records.map((r) => r.dynamodb!.Keys!.sk!.S!);

afterEach(async () => {
  await Promise.all(pollers.splice(0).map((p) => p.stop()));
});

describe('the local stream poller honours the event source mapping settings', () => {
  it('gathers records for the batching window, then hands them over in one batch', async () => {
    const name = await table('window');
    const batches: string[][] = [];
    await poll(name, consumer({ maxBatchingWindowSeconds: 1.5 }), async (event) => {
      batches.push(keysOf(event));
      return { batchItemFailures: [] };
    });
    // Three records 300 ms apart all fall inside one window: one batch.
    for (let n = 0; n < 3; n++) {
      await put(name, n);
      await new Promise((r) => setTimeout(r, 300));
    }
    await until(() => (batches.flat().length === 3 ? true : undefined), 10_000);
    expect(batches).toEqual([['S#000', 'S#001', 'S#002']]);
  });

  it('without a window, hands records over as soon as they arrive', async () => {
    const name = await table('nowindow');
    const batches: string[][] = [];
    await poll(name, consumer({}), async (event) => {
      batches.push(keysOf(event));
      return { batchItemFailures: [] };
    });
    for (let n = 0; n < 3; n++) {
      await put(name, n);
      await until(() => (batches.flat().length === n + 1 ? true : undefined), 10_000);
    }
    expect(batches).toEqual([['S#000'], ['S#001'], ['S#002']]);
  });

  it('bisects a throwing batch without spending retries, and sends the poison record to the on-failure destination', async () => {
    const name = await table('poison');
    const seen: string[] = [];
    const failures = await poll(
      name,
      consumer({ batchSize: 8, maxBatchingWindowSeconds: 1, retryAttempts: 2 }),
      async (event) => {
        const keys = keysOf(event);
        if (keys.includes('S#003')) throw new Error('poison');
        seen.push(...keys);
        return { batchItemFailures: [] };
      },
    );
    for (let n = 0; n < 8; n++) await put(name, n);
    await until(() => (seen.length === 7 ? true : undefined), 20_000);
    // Every good record handled once, in order; the poison one given up on, alone, after its retries.
    expect(seen).toEqual(['S#000', 'S#001', 'S#002', 'S#004', 'S#005', 'S#006', 'S#007']);
    expect(failures).toHaveLength(1);
    expect(failures[0]).toMatchObject({ reason: 'RetryAttemptsExhausted', records: 1 });
  });
});
