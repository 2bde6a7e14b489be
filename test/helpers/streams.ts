import { DescribeTableCommand } from '@aws-sdk/client-dynamodb';
import {
  DescribeStreamCommand,
  DynamoDBStreamsClient,
  GetRecordsCommand,
  GetShardIteratorCommand,
} from '@aws-sdk/client-dynamodb-streams';
import type { DynamoDBBatchResponse, DynamoDBRecord, DynamoDBStreamEvent } from 'aws-lambda';
import { localClient } from '../../local/dynamodb.ts';
import { toLambdaRecord } from '../../local/streams.ts';
import { runtime } from './runtime.ts';

/**
 * Delivering a table's real DynamoDB Local stream by hand, the way Lambda's event source mapping would, for tests
 * that own their tables (no poller reads them) and want to control delivery: batches, failures, repeats.
 */
export type Handler = (event: DynamoDBStreamEvent) => Promise<DynamoDBBatchResponse | undefined>;

/** Lambda's delivery: batches in order; a reported failure replays from that record; a throw replays the batch. */
export async function deliver(
  handler: Handler,
  records: DynamoDBRecord[],
  batchSize: number,
): Promise<number> {
  let at = 0;
  let retries = 0;
  while (at < records.length) {
    const batch = records.slice(at, at + batchSize);
    let failedSequence: string | undefined;
    try {
      // As JSON, the way Lambda's event reaches a handler.
      const event = JSON.parse(JSON.stringify({ Records: batch })) as DynamoDBStreamEvent;
      failedSequence = (await handler(event))?.batchItemFailures[0]?.itemIdentifier;
    } catch {
      failedSequence = batch[0]!.dynamodb!.SequenceNumber!;
    }
    if (failedSequence === undefined) {
      at += batch.length;
    } else {
      at += batch.findIndex((r) => r.dynamodb!.SequenceNumber === failedSequence);
      if (++retries > 200) throw new Error('delivery never succeeded');
    }
  }
  return retries;
}

export async function readStream(table: string): Promise<DynamoDBRecord[]> {
  const arn = (
    await localClient(runtime.dynamodbEndpoint).send(new DescribeTableCommand({ TableName: table }))
  ).Table!.LatestStreamArn!;
  const streams = new DynamoDBStreamsClient({
    endpoint: runtime.dynamodbEndpoint,
    region: 'local',
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
  });
  const records: DynamoDBRecord[] = [];
  for (const shard of (await streams.send(new DescribeStreamCommand({ StreamArn: arn }))).StreamDescription!
    .Shards!) {
    let iterator = (
      await streams.send(
        new GetShardIteratorCommand({
          StreamArn: arn,
          ShardId: shard.ShardId!,
          ShardIteratorType: 'TRIM_HORIZON',
        }),
      )
    ).ShardIterator;
    for (let empty = 0; iterator && empty < 3; ) {
      let page: { Records?: Parameters<typeof toLambdaRecord>[0][]; NextShardIterator?: string };
      try {
        page = await streams.send(new GetRecordsCommand({ ShardIterator: iterator }));
      } catch {
        // DynamoDB Local sometimes refuses a new shard's first read; start again after what was read.
        const after = records.at(-1)?.dynamodb?.SequenceNumber;
        const again = await streams.send(
          new GetShardIteratorCommand({
            StreamArn: arn,
            ShardId: shard.ShardId!,
            ...(after
              ? { ShardIteratorType: 'AFTER_SEQUENCE_NUMBER', SequenceNumber: after }
              : { ShardIteratorType: 'TRIM_HORIZON' }),
          }),
        );
        iterator = again.ShardIterator;
        continue;
      }
      records.push(...(page.Records ?? []).map((r) => toLambdaRecord(r, arn)));
      empty = (page.Records ?? []).length === 0 ? empty + 1 : 0;
      iterator = page.NextShardIterator;
    }
  }
  streams.destroy();
  return records;
}
