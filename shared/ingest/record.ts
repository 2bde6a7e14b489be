import type { LedgerActivity } from '../domain/activity.ts';
import { keys, type Subject } from '../store/keys.ts';
import type { Ledger, Source } from '../store/ledger.ts';
import { logger } from '../telemetry.ts';

export type RecordStatus = 'recorded' | 'duplicate' | 'dropped' | 'failed';

export interface RecordResult {
  eventId: string;
  status: RecordStatus;
  /** Present when `dropped` or `failed`: why. */
  reason?: string;
  /** Present when `failed`: sending the same event again is safe and records it once. */
  retryable?: true;
  writeUnits: number;
}

/** The ledger subject an activity names: its lead if known, else its anonymous visitor. */
export function subjectOf(activity: LedgerActivity): Subject {
  return activity.leadId !== undefined
    ? { kind: 'lead', id: activity.leadId }
    : { kind: 'anonymous', id: activity.anonymousId! };
}

/**
 * Whose identity a request resolves before it records: every subject's (the API and the bus, which answer
 * `dropped` for an erased lead), or only visitors' (tracking hits, which answer with a GIF or a redirect whatever
 * happens). A tracking hit for a lead is recorded under the lead its signed token names, with no read: scoring
 * resolves that lead once per stream batch, strongly, and moves what a merged-away lead received to the lead it
 * was merged into, or erases what an erased lead received (shared/scoring/settle.ts). A visitor's hits are still
 * resolved here: an identified visitor keeps sending them, and moving each one would cost more than the read.
 */
export type Resolving = 'every subject' | 'visitors';

/**
 * Records accepted activities in the ledger: each under the lead its subject resolves to (aliases from identify
 * and merges), none for an erased lead, each eventId once per lead. Writes run a few at a time.
 */
export async function recordActivities(
  ledger: Ledger,
  activities: LedgerActivity[],
  source: Source,
  nowMs: number,
  resolving: Resolving = 'every subject',
): Promise<RecordResult[]> {
  const subjects = activities.map(subjectOf);
  const resolved = await ledger.resolve(
    resolving === 'visitors' ? subjects.filter((s) => s.kind === 'anonymous') : subjects,
  );
  return mapLimited(activities, 16, async (activity): Promise<RecordResult> => {
    const subject = subjectOf(activity);
    // A lead left unresolved (tracking hits) goes under itself; every other subject was resolved above.
    const target =
      resolved.get(keys.subject(subject)) ??
      (subject.kind === 'lead' && resolving === 'visitors' ? subject : undefined);
    if (target === undefined) throw new Error(`${keys.subject(subject)} was not resolved`);
    if (target === 'erased')
      return { eventId: activity.eventId, status: 'dropped', reason: 'the lead was erased', writeUnits: 0 };
    try {
      const { status, writeUnits } = await ledger.record(target, activity, source, nowMs);
      return { eventId: activity.eventId, status, writeUnits };
    } catch (error) {
      // One write failing (throttled, timed out) leaves the others recorded: answered per event, so a retry of the
      // whole batch records only what is missing (each eventId once per lead).
      logger.warn('activity not recorded', { eventId: activity.eventId, error: error as Error });
      return {
        eventId: activity.eventId,
        status: 'failed',
        reason: 'not stored; send it again',
        retryable: true,
        writeUnits: 0,
      };
    }
  });
}

async function mapLimited<T, R>(items: T[], limit: number, fn: (item: T) => Promise<R>): Promise<R[]> {
  const results = new Array<R>(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const i = next++;
      results[i] = await fn(items[i]!);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return results;
}
