import { FUNCTIONS } from './manifest.ts';

/**
 * How a stream handler consumes its table's stream. The CDK stack builds the event source mappings from this,
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
  /** Which records reach the handler at all (Lambda event filtering): those that match any of these patterns. */
  filters: RecordPattern[];
}

/**
 * A pattern on a stream record: its event name, its new image's entity, its key's sort key (which a removal has
 * too, where it has no new image). A record matches when it matches every field given.
 */
export interface RecordPattern {
  eventName?: string[];
  newImageEntity?: string[];
  sortKey?: string[];
}

/** The stream consumers, as the function manifest (shared/manifest.ts) gives them. */
export const STREAM_CONSUMERS: readonly StreamConsumer[] = FUNCTIONS.flatMap((f) =>
  f.trigger.kind === 'stream' ? [{ ...f.trigger.consumer, handler: f.handler }] : [],
);
