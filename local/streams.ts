import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { DescribeTableCommand } from '@aws-sdk/client-dynamodb';
import {
  DescribeStreamCommand,
  DynamoDBStreamsClient,
  GetRecordsCommand,
  GetShardIteratorCommand,
  type _Record as StreamRecord,
} from '@aws-sdk/client-dynamodb-streams';
import type {
  AttributeValue as AttributeValueJson,
  DynamoDBBatchResponse,
  DynamoDBRecord,
  DynamoDBStreamEvent,
  StreamRecord as StreamRecordJson,
} from 'aws-lambda';
import type { StreamConsumer } from '../shared/streams.ts';
import { LOCAL_AWS } from './aws.ts';
import { localClient } from './dynamodb.ts';
import { lambdaContext } from './gateway.ts';

export type StreamHandler = (
  event: DynamoDBStreamEvent,
  context: ReturnType<typeof lambdaContext>,
) => Promise<DynamoDBBatchResponse | undefined>;

/** A batch Lambda gave up on: what an on-failure destination receives. */
export interface StreamFailure {
  handler: string;
  reason: 'RetryAttemptsExhausted' | 'RecordAgeExceeded';
  shardId: string;
  firstSequenceNumber: string;
  lastSequenceNumber: string;
  records: number;
  at: string;
}

/**
 * How often an idle shard is read: Lambda polls a DynamoDB stream's shards at a base rate of four times a
 * second, so a record waits up to this long to be seen, in AWS and here.
 */
const POLL_MS = 250;
const DISCOVER_MS = 2000;

/**
 * Polls one table's real DynamoDB Local stream and invokes a handler as Lambda's event source mapping would:
 * batches of up to `batchSize` (gathered for up to `maxBatchingWindowSeconds`), filtered, in shard order; a reported item failure replays the shard from that
 * record; a thrown error halves the batch when `bisectBatchOnError`; after `retryAttempts` (or past
 * `maxRecordAgeSeconds`) the batch goes to the on-failure destination and the shard moves on.
 */
export class StreamPoller {
  private readonly streams: DynamoDBStreamsClient;
  private readonly checkpoints: Record<string, string>;
  private readonly active = new Set<string>();
  private running = false;
  private loops: Promise<void>[] = [];

  private readonly endpoint: string;
  private readonly tableName: string;
  private readonly consumer: StreamConsumer;
  private readonly handler: StreamHandler;
  private readonly onFailure: (failure: StreamFailure) => void;
  private readonly checkpointFile: string | undefined;
  private readonly log: (line: string) => void;

  constructor(options: {
    endpoint: string;
    tableName: string;
    consumer: StreamConsumer;
    handler: StreamHandler;
    onFailure: (failure: StreamFailure) => void;
    /** Where the last processed sequence number per shard is kept, so a restart resumes; none: start from the oldest. */
    checkpointFile: string | undefined;
    log: (line: string) => void;
  }) {
    this.endpoint = options.endpoint;
    this.tableName = options.tableName;
    this.consumer = options.consumer;
    this.handler = options.handler;
    this.onFailure = options.onFailure;
    this.checkpointFile = options.checkpointFile;
    this.log = options.log;
    this.streams = new DynamoDBStreamsClient({
      endpoint: this.endpoint,
      region: 'local',
      credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
    });
    this.checkpoints =
      this.checkpointFile && existsSync(this.checkpointFile)
        ? JSON.parse(readFileSync(this.checkpointFile, 'utf8'))
        : {};
  }

  async start(): Promise<void> {
    const table = await localClient(this.endpoint).send(
      new DescribeTableCommand({ TableName: this.tableName }),
    );
    const arn = table.Table?.LatestStreamArn;
    if (!arn) throw new Error(`table ${this.tableName} has no stream`);
    this.running = true;
    this.loops.push(this.discover(arn));
  }

  async stop(): Promise<void> {
    this.running = false;
    await Promise.allSettled(this.loops);
    this.streams.destroy();
  }

  private async discover(arn: string): Promise<void> {
    while (this.running) {
      try {
        const description = await this.streams.send(new DescribeStreamCommand({ StreamArn: arn }));
        for (const shard of description.StreamDescription?.Shards ?? []) {
          const id = shard.ShardId!;
          if (this.active.has(id) || this.checkpoints[`${id}:closed`]) continue;
          this.active.add(id);
          this.loops.push(
            this.pollShard(arn, id).catch((error) => {
              this.active.delete(id);
              this.log(`${this.consumer.handler}: shard ${id} stopped: ${(error as Error).message}`);
            }),
          );
        }
      } catch (error) {
        this.log(`${this.consumer.handler}: describing the stream failed: ${(error as Error).message}`);
      }
      await sleep(DISCOVER_MS);
    }
  }

  private async pollShard(arn: string, shardId: string): Promise<void> {
    let iterator: string | undefined = await this.iteratorFor(arn, shardId);
    const pending: StreamRecord[] = [];
    let attempts = 0;
    let size = this.consumer.batchSize;
    let gatheringSince: number | undefined;
    while (this.running) {
      if (iterator && pending.length < this.consumer.batchSize) {
        try {
          const page = await this.streams.send(
            new GetRecordsCommand({ ShardIterator: iterator, Limit: this.consumer.batchSize }),
          );
          iterator = page.NextShardIterator;
          for (const record of page.Records ?? []) {
            if (this.matches(record)) pending.push(record);
            else this.checkpoint(shardId, record.dynamodb!.SequenceNumber!);
          }
        } catch (error) {
          // An expired or trimmed iterator: start again after the last record handed over (records still pending are kept).
          this.log(
            `${this.consumer.handler}: reading shard ${shardId} failed (${(error as Error).name}); resuming`,
          );
          await sleep(200);
          const after =
            pending.length > 0
              ? pending[pending.length - 1]!.dynamodb!.SequenceNumber!
              : this.checkpoints[shardId];
          iterator = await this.iteratorFor(arn, shardId, after);
          continue;
        }
      }
      if (pending.length === 0) {
        if (!iterator) {
          this.checkpoint(`${shardId}:closed`, 'true');
          this.active.delete(shardId);
          return;
        }
        await sleep(POLL_MS);
        continue;
      }

      // The batching window: a first attempt waits, from its first record, for a full batch or the window's end.
      const window = this.consumer.maxBatchingWindowSeconds * 1000;
      if (attempts === 0 && window > 0 && iterator && pending.length < this.consumer.batchSize) {
        gatheringSince ??= Date.now();
        if (Date.now() - gatheringSince < window) {
          await sleep(POLL_MS);
          continue;
        }
      }
      gatheringSince = undefined;

      const oldest = pending[0]!.dynamodb!.ApproximateCreationDateTime;
      if (oldest && Date.now() - oldest.getTime() > this.consumer.maxRecordAgeSeconds * 1000) {
        this.fail(shardId, pending.splice(0, 1), 'RecordAgeExceeded');
        continue;
      }

      const batch = pending.slice(0, size);
      let failedAt: number | undefined;
      let threw = false;
      try {
        // Serialised and parsed, as Lambda's event reaches a handler: no SDK object survives the trip.
        const event = JSON.parse(JSON.stringify({ Records: batch.map((r) => toLambdaRecord(r, arn)) }));
        const result = await this.handler(event, lambdaContext(this.consumer.handler));
        const failure = result?.batchItemFailures?.[0]?.itemIdentifier;
        if (failure !== undefined) {
          const index = batch.findIndex((r) => r.dynamodb?.SequenceNumber === failure);
          failedAt = index < 0 ? 0 : index;
        }
      } catch (error) {
        threw = true;
        failedAt = 0;
        this.log(`${this.consumer.handler}: invocation failed: ${(error as Error).message}`);
      }

      if (failedAt === undefined) {
        pending.splice(0, batch.length);
        this.checkpoint(shardId, batch[batch.length - 1]!.dynamodb!.SequenceNumber!);
        attempts = 0;
        size = this.consumer.batchSize;
        continue;
      }
      if (failedAt > 0) this.checkpoint(shardId, batch[failedAt - 1]!.dynamodb!.SequenceNumber!);
      pending.splice(0, failedAt);
      // A throwing batch is split in two and tried again; as with Lambda, a split is not counted as a retry, so
      // retries are spent on the smallest batch that still fails (one poison record goes to the destination alone).
      if (threw && this.consumer.bisectBatchOnError && Math.min(size, batch.length) > 1) {
        size = Math.ceil(Math.min(size, batch.length) / 2);
        continue;
      }
      attempts++;
      if (attempts > this.consumer.retryAttempts) {
        this.fail(
          shardId,
          pending.splice(0, Math.max(1, Math.min(size, batch.length - failedAt))),
          'RetryAttemptsExhausted',
        );
        attempts = 0;
        size = this.consumer.batchSize;
        continue;
      }
      await sleep(Math.min(2000, 50 * 2 ** attempts));
    }
  }

  /** An iterator after `after` (default: the checkpoint), else from the oldest record kept, else from now on. */
  private async iteratorFor(
    arn: string,
    shardId: string,
    after = this.checkpoints[shardId],
  ): Promise<string | undefined> {
    const attempts = [
      ...(after ? [{ ShardIteratorType: 'AFTER_SEQUENCE_NUMBER' as const, SequenceNumber: after }] : []),
      { ShardIteratorType: 'TRIM_HORIZON' as const },
      { ShardIteratorType: 'LATEST' as const },
    ];
    for (const attempt of attempts) {
      try {
        return (
          await this.streams.send(
            new GetShardIteratorCommand({ StreamArn: arn, ShardId: shardId, ...attempt }),
          )
        ).ShardIterator;
      } catch (error) {
        this.log(
          `${this.consumer.handler}: no ${attempt.ShardIteratorType} iterator for shard ${shardId} (${(error as Error).name})`,
        );
      }
    }
    return undefined;
  }

  /** Lambda's event filtering: only records matching the consumer's pattern are delivered (the rest still advance). */
  private matches(record: StreamRecord): boolean {
    return this.consumer.filters.some(({ eventName, newImageEntity, sortKey }) => {
      if (eventName && !eventName.includes(record.eventName ?? '')) return false;
      if (newImageEntity && !newImageEntity.includes(record.dynamodb?.NewImage?.entity?.S ?? ''))
        return false;
      if (sortKey && !sortKey.includes(record.dynamodb?.Keys?.sk?.S ?? '')) return false;
      return true;
    });
  }

  private fail(shardId: string, records: StreamRecord[], reason: StreamFailure['reason']): void {
    if (records.length === 0) return;
    const last = records[records.length - 1]!.dynamodb!.SequenceNumber!;
    this.onFailure({
      handler: this.consumer.handler,
      reason,
      shardId,
      firstSequenceNumber: records[0]!.dynamodb!.SequenceNumber!,
      lastSequenceNumber: last,
      records: records.length,
      at: new Date().toISOString(),
    });
    this.checkpoint(shardId, last);
  }

  private checkpoint(key: string, value: string): void {
    this.checkpoints[key] = value;
    if (this.checkpointFile) writeFileSync(this.checkpointFile, JSON.stringify(this.checkpoints));
  }
}

/**
 * The record as Lambda delivers it: JSON. Binary attributes become base64 text, the SDK's Date becomes epoch
 * seconds, empty maps (which the SDK's streams client reads as `{}`, with no type at all) are `{"M": {}}` again,
 * and the ARN and region are an AWS region's, not DynamoDB Local's `ddblocal`.
 */
export function toLambdaRecord(record: StreamRecord, arn: string): DynamoDBRecord {
  const { ApproximateCreationDateTime, Keys, NewImage, OldImage, ...rest } = record.dynamodb ?? {};
  return {
    eventID: record.eventID,
    eventName: record.eventName as DynamoDBRecord['eventName'],
    eventVersion: '1.1',
    eventSource: 'aws:dynamodb',
    awsRegion: LOCAL_AWS.region,
    dynamodb: {
      ...(ApproximateCreationDateTime && {
        ApproximateCreationDateTime: Math.floor(ApproximateCreationDateTime.getTime() / 1000),
      }),
      ...(Keys && { Keys: imageJson(Keys) }),
      ...(NewImage && { NewImage: imageJson(NewImage) }),
      ...(OldImage && { OldImage: imageJson(OldImage) }),
      ...(rest as Pick<StreamRecordJson, 'SequenceNumber' | 'SizeBytes' | 'StreamViewType'>),
    },
    eventSourceARN: arn.replace(
      /^arn:aws:dynamodb:[^:]*:[^:]*:/,
      `arn:aws:dynamodb:${LOCAL_AWS.region}:${LOCAL_AWS.accountId}:`,
    ),
  };
}

type SdkImage = NonNullable<NonNullable<StreamRecord['dynamodb']>['NewImage']>;
type SdkValue = SdkImage[string];

function imageJson(image: SdkImage): Record<string, AttributeValueJson> {
  return Object.fromEntries(Object.entries(image).map(([name, value]) => [name, valueJson(value)]));
}

function valueJson(value: SdkValue): AttributeValueJson {
  if (value.B !== undefined) return { B: Buffer.from(value.B).toString('base64') };
  if (value.BS !== undefined) return { BS: value.BS.map((b) => Buffer.from(b).toString('base64')) };
  if (value.M !== undefined) return { M: imageJson(value.M) };
  if (value.L !== undefined) return { L: value.L.map(valueJson) };
  if (Object.keys(value).length === 0 || value.$unknown) return { M: {} };
  return value as AttributeValueJson;
}

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}
