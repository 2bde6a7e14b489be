/**
 * How each stream handler consumes its table's stream. The CDK stack builds the event source mappings from this,
 * and the local runtime's poller honours the same settings.
 */
export interface StreamConsumer {
  handler: string;
  table: 'activities' | 'leads';
  batchSize: number;
  /** 0: invoke as soon as records arrive, for the latency goal (pixel to notification). */
  maxBatchingWindowSeconds: number;
  retryAttempts: number;
  maxRecordAgeSeconds: number;
  bisectBatchOnError: boolean;
  reportBatchItemFailures: true;
  /** Which records reach the handler at all (Lambda event filtering): a pattern on the record. */
  filter: { eventName?: string[]; newImageEntity?: string[] };
}

/** What every consumer shares: retried, then dead-lettered within hours, bisected, never blocking a shard for a day. */
const RELIABLE = {
  maxBatchingWindowSeconds: 0,
  retryAttempts: 10,
  maxRecordAgeSeconds: 6 * 3600,
  bisectBatchOnError: true,
  reportBatchItemFailures: true,
} as const;

export const STREAM_CONSUMERS: readonly StreamConsumer[] = [
  {
    handler: 'score-activities',
    table: 'activities',
    // Large: a batch is coalesced per lead, so the busier the stream, the more events each score write carries.
    // A quiet stream still hands over each record at once (no batching window).
    batchSize: 1000,
    ...RELIABLE,
    filter: { eventName: ['INSERT'] },
  },
  {
    handler: 'notify-crossings',
    table: 'leads',
    batchSize: 50,
    ...RELIABLE,
    filter: { eventName: ['INSERT', 'MODIFY'], newImageEntity: ['score', 'erased'] },
  },
  {
    handler: 'refit-scores',
    table: 'leads',
    batchSize: 50,
    ...RELIABLE,
    filter: { eventName: ['INSERT', 'MODIFY'], newImageEntity: ['profile'] },
  },
];
