import { BatchProcessor, EventType, processPartialResponse } from '@aws-lambda-powertools/batch';
import type { Context, DynamoDBRecord, DynamoDBStreamEvent } from 'aws-lambda';
import type { CompiledModel } from '../model/compile.ts';
import type { FeedStore } from '../store/feed.ts';
import { isVisibleChange, type ScoreItem, type ScoreStore, scoreOf } from '../store/scores.ts';
import { itemOfImage } from '../store/stream-image.ts';
import { count, logger } from '../telemetry.ts';
import { type Notification, notificationsFor } from './notifications.ts';
import { NotPublished, type Publisher } from './publisher.ts';

/** What an erasure leaves of a score (and of the lead, under its tombstone key). */
interface ScoreMarker {
  pk: string;
  sk: string;
  entity: 'erased' | 'merged';
}

/** The first record of a batch that failed, by its place in the batch: it and every record after it are retried. */
interface Failure {
  at: number;
  error: unknown;
}

/**
 * The leads stream's handler: a committed score change is recorded in the lead's history and becomes its
 * notifications (band crossings, flags raised and cleared); an erasure's score marker clears that history. Nothing
 * is announced for a write that did not commit. Records are processed in order, one at a time; their
 * notifications are published together (as few SNS requests as SNS allows), and before an erasure or a merge
 * clears what they name. A record that fails, or whose notifications SNS did not take, fails with every record
 * after it, so the stream delivers them again in order; a repeat carries the same ids.
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

  /** A record's own work: its change's history and the notifications it calls for, or a marker's clearing. */
  async function changeOf(record: DynamoDBRecord): Promise<Notification[]> {
    const image = record.dynamodb?.NewImage;
    if (!image) return [];
    const item = itemOfImage<ScoreItem | ScoreMarker>(image);
    if (isMarker(item)) {
      // An erasure or a merge replaced this score with its marker: every earlier change of it has been recorded
      // and announced by now (a key's records arrive in order, and what was pending went out first), so its
      // history can go, for good; an erasure's takes the live feed's items naming the lead with it.
      const leadId = item.pk.slice('LEAD#'.length);
      count('notify.history-forgotten', await parts.history.forgetHistory(leadId));
      if (item.entity === 'erased' && parts.feed)
        count('notify.feed-forgotten', await parts.feed.forget(leadId, clock()));
      return [];
    }
    if (item.entity !== 'score') return [];
    const after = scoreOf(item);
    const model = models.get(after.model);
    if (!model) {
      count('notify.unknown-model');
      logger.warn('score of a model not in force', { model: after.model, leadId: after.leadId });
      return [];
    }
    const old = record.dynamodb?.OldImage;
    const before = old ? scoreOf(itemOfImage(old)) : undefined;
    if (isVisibleChange(before, after)) {
      await parts.history.recordHistory(before, after, parts.retentionDays);
      count('notify.history-recorded');
    }
    return notificationsFor(model, before, after);
  }

  /** The batch's records in order, and their notifications published; the first record that failed, if any. */
  async function notifyBatch(records: DynamoDBRecord[]): Promise<Failure | undefined> {
    let pending: { at: number; notifications: Notification[] }[] = [];
    // Publishes what is pending, then puts it in the live feed (only what was published).
    const flush = async (): Promise<Failure | undefined> => {
      const changes = pending;
      pending = [];
      if (changes.length === 0) return undefined;
      let failure: Failure | undefined;
      let published = changes.length;
      try {
        await parts.publisher.publish(changes.map((c) => c.notifications));
      } catch (error) {
        published = error instanceof NotPublished ? Math.min(error.published, changes.length - 1) : 0;
        failure = { at: changes[published]!.at, error };
      }
      for (const change of changes.slice(0, published))
        try {
          for (const notification of change.notifications) {
            await parts.feed?.record(notification);
            count(`notify.${notification.type}`);
          }
        } catch (error) {
          return { at: change.at, error };
        }
      return failure;
    };
    for (const [at, record] of records.entries()) {
      const image = record.dynamodb?.NewImage;
      if (image && isMarker(itemOfImage(image))) {
        const failure = await flush();
        if (failure) return failure;
      }
      try {
        pending.push({ at, notifications: await changeOf(record) });
      } catch (error) {
        return (await flush()) ?? { at, error };
      }
    }
    return flush();
  }

  return async (event: DynamoDBStreamEvent, context: Context) => {
    const failure = await notifyBatch(event.Records);
    const retried = new Map<string | undefined, unknown>();
    if (failure) {
      const first = event.Records[failure.at]!;
      // The batch processor keeps the error to itself: say what failed, or a stuck shard says nothing.
      count('notify.failed');
      logger.error('record not processed or its notifications not published; it will be retried', {
        error: failure.error as Error,
        sequenceNumber: first.dynamodb?.SequenceNumber,
      });
      for (const record of event.Records.slice(failure.at))
        retried.set(
          record.dynamodb?.SequenceNumber,
          record === first
            ? failure.error
            : new Error('an earlier record of this batch failed; kept for the replay, in order'),
        );
    }
    // The processor answers Lambda: the failed record and every one after it, so the stream replays from there.
    return processPartialResponse(
      event,
      async (record: DynamoDBRecord) => {
        if (retried.has(record.dynamodb?.SequenceNumber)) throw retried.get(record.dynamodb?.SequenceNumber);
      },
      processor,
      { context, processInParallel: false },
    );
  };
}

function isMarker(item: { sk?: string; entity?: string }): item is ScoreMarker {
  return (item.entity === 'erased' || item.entity === 'merged') && item.sk?.startsWith('SCORE#') === true;
}
