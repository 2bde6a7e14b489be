import { BatchProcessor, EventType, processPartialResponse } from '@aws-lambda-powertools/batch';
import type { Context, DynamoDBRecord, DynamoDBStreamEvent } from 'aws-lambda';
import type { CompiledModel } from '../model/compile.ts';
import type { FeedStore } from '../store/feed.ts';
import { isVisibleChange, type ScoreItem, type ScoreStore } from '../store/scores.ts';
import { itemOfImage } from '../store/stream-image.ts';
import { count, logger } from '../telemetry.ts';
import { notificationsFor } from './notifications.ts';
import type { Publisher } from './publisher.ts';

/** What an erasure leaves of a score (and of the lead, under its tombstone key). */
interface ScoreMarker {
  pk: string;
  sk: string;
  entity: 'erased' | 'merged';
}

/**
 * The leads stream's handler: a committed score change is recorded in the lead's history and becomes its
 * notifications (band crossings, flags raised and cleared); an erasure's score marker clears that history. Nothing is announced for a write that did not commit, and a failed publish fails the record, so
 * the stream delivers it again; a repeat carries the same ids. Records are processed in order, one at a time.
 */
export function notifyStreamHandler(parts: {
  models: CompiledModel[];
  publisher: Publisher;
  /** Where each committed change is kept as the lead's score history. */
  history: Pick<ScoreStore, 'recordHistory' | 'forgetHistory'>;
  retentionDays: number;
  /** Where the dashboard's live feed reads published notifications from. */
  feed?: Pick<FeedStore, 'record' | 'forget'>;
  clock?: () => number;
}) {
  const clock = parts.clock ?? Date.now;
  const models = new Map(parts.models.map((m) => [m.id, m]));
  const processor = new BatchProcessor(EventType.DynamoDBStreams);
  // Once a record fails, the rest of the batch fails with it: the stream replays from the first failure, so a
  // lead's later crossing is never published before its earlier one.
  let failedInBatch = false;

  async function notifyRecord(record: DynamoDBRecord): Promise<void> {
    if (failedInBatch)
      throw new Error('an earlier record of this batch failed; kept for the replay, in order');
    try {
      await publishFor(record);
    } catch (error) {
      failedInBatch = true;
      // The batch processor keeps the error to itself: say what failed, or a stuck shard says nothing.
      count('notify.failed');
      logger.error('notification not published; the record will be retried', {
        error: error as Error,
        sequenceNumber: record.dynamodb?.SequenceNumber,
      });
      throw error;
    }
  }

  async function publishFor(record: DynamoDBRecord): Promise<void> {
    const image = record.dynamodb?.NewImage;
    if (!image) return;
    const item = itemOfImage<ScoreItem | ScoreMarker>(image);
    if ((item.entity === 'erased' || item.entity === 'merged') && item.sk.startsWith('SCORE#')) {
      // An erasure or a merge replaced this score with its marker: every earlier change of it has been recorded
      // and announced by now (a key's records arrive in order), so its history can go, for good; an erasure's
      // takes the live feed's items naming the lead with it.
      const leadId = item.pk.slice('LEAD#'.length);
      count('notify.history-forgotten', await parts.history.forgetHistory(leadId));
      if (item.entity === 'erased' && parts.feed)
        count('notify.feed-forgotten', await parts.feed.forget(leadId, clock()));
      return;
    }
    if (item.entity !== 'score') return;
    const after = item;
    const model = models.get(after.model);
    if (!model) {
      count('notify.unknown-model');
      logger.warn('score of a model not in force', { model: after.model, leadId: after.leadId });
      return;
    }
    const old = record.dynamodb?.OldImage;
    const before = old ? itemOfImage<ScoreItem>(old) : undefined;
    if (isVisibleChange(before, after)) {
      await parts.history.recordHistory(before, after, parts.retentionDays);
      count('notify.history-recorded');
    }
    for (const notification of notificationsFor(model, before, after)) {
      await parts.publisher.publish(notification);
      await parts.feed?.record(notification);
      count(`notify.${notification.type}`);
    }
  }

  return (event: DynamoDBStreamEvent, context: Context) => {
    failedInBatch = false;
    return processPartialResponse(event, notifyRecord, processor, { context, processInParallel: false });
  };
}
