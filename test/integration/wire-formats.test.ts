import { readFileSync } from 'node:fs';
import { PutCommand } from '@aws-sdk/lib-dynamodb';
import type { DynamoDBStreamEvent } from 'aws-lambda';
import { afterAll, describe, expect, it } from 'vitest';
import { ensureTables } from '../../local/dynamodb.ts';
import { StreamPoller } from '../../local/streams.ts';
import { documentClient } from '../../shared/store/dynamo.ts';
import { itemOfImage } from '../../shared/store/stream-image.ts';
import { LEADS_TABLE } from '../../shared/store/tables.ts';
import { STREAM_CONSUMERS } from '../../shared/streams.ts';
import { runtime, until } from '../helpers/runtime.ts';
import { imageProblems, shapeOf } from '../helpers/shape.ts';

const SAMPLE = JSON.parse(
  readFileSync(new URL('../fixtures/aws/dynamodb-stream-event.json', import.meta.url), 'utf8'),
) as DynamoDBStreamEvent;
const IMAGES = ['Records[].dynamodb.Keys', 'Records[].dynamodb.NewImage', 'Records[].dynamodb.OldImage'];

const client = documentClient(runtime.dynamodbEndpoint);
const tableName = `wire-leads-${process.pid}-${Date.now()}`;
let poller: StreamPoller | undefined;
afterAll(() => poller?.stop());

describe('the local stream poller hands handlers the JSON Lambda sends', () => {
  it('delivers a real DynamoDB Local stream record in the documented shape, binary as base64 text', async () => {
    // Prepare: the leads table's definition and the notify consumer's settings, read by a capturing handler.
    await ensureTables(runtime.dynamodbEndpoint, [{ definition: LEADS_TABLE, name: tableName }]);
    const events: DynamoDBStreamEvent[] = [];
    const consumer = STREAM_CONSUMERS.find((c) => c.handler === 'notify-crossings')!;
    poller = new StreamPoller({
      endpoint: runtime.dynamodbEndpoint,
      tableName,
      consumer: { ...consumer, handler: 'capture' },
      handler: async (event) => {
        events.push(event);
        return { batchItemFailures: [] };
      },
      onFailure: () => {},
      checkpointFile: undefined,
      log: () => {},
    });
    await poller.start();
    const item = (score: number, state: number[]) => ({
      pk: 'LEAD#ana',
      sk: 'SCORE#default',
      entity: 'score',
      score,
      state: new Uint8Array(state),
      flags: score > 50 ? ['high-intent'] : [],
      detail: {},
    });

    // Act: an insert, then a change (old and new images).
    await client.send(new PutCommand({ TableName: tableName, Item: item(12, [1, 2]) }));
    await client.send(new PutCommand({ TableName: tableName, Item: item(61.5, [1, 2, 3, 4]) }));
    const modify = await until(
      () => events.flatMap((e) => e.Records).find((r) => r.eventName === 'MODIFY'),
      30_000,
    );

    // Assess: the envelope field for field, every image value typed, binary as base64 text that decodes back.
    const shape = (event: unknown) => shapeOf(event, [], IMAGES);
    expect(shape({ Records: [modify] })).toEqual(shape(SAMPLE));
    expect(modify.eventSourceARN).toMatch(
      new RegExp(`^arn:aws:dynamodb:[a-z]{2}-[a-z]+-\\d:\\d{12}:table/${tableName}/stream/\\S+$`),
    );
    expect(modify.awsRegion).toMatch(/^[a-z]{2}-[a-z]+-\d$/);
    for (const image of [modify.dynamodb!.NewImage!, modify.dynamodb!.OldImage!, modify.dynamodb!.Keys!])
      expect(imageProblems(image)).toEqual([]);
    expect(modify.dynamodb!.NewImage!.state).toEqual({ B: 'AQIDBA==' });
    expect(modify.dynamodb!.NewImage!.detail).toEqual({ M: {} });
    expect(itemOfImage<{ state: Uint8Array }>(modify.dynamodb!.NewImage!).state).toEqual(
      new Uint8Array([1, 2, 3, 4]),
    );
  });
});
