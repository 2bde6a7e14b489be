import type { DynamoDBBatchResponse, DynamoDBStreamEvent } from 'aws-lambda';
import { MAX_CLOCK_SKEW_MS } from '../domain/time.ts';
import { buildState } from '../engine/index.ts';
import type { CompiledModel } from '../model/compile.ts';
import { LeadErased } from '../store/errors.ts';
import { subjectOf } from '../store/keys.ts';
import type { Ledger, LedgerItem } from '../store/ledger.ts';
import type { ScoreStore } from '../store/scores.ts';
import { itemOfImage } from '../store/stream-image.ts';
import { count, logger } from '../telemetry.ts';
import { mayBeMergedAway, resolveStrongly, settleLead } from './settle.ts';
import { needsLedgerFor, needsRebuild, type Rebuilt, scoreActivities } from './update.ts';

const MAX_CONFLICT_RETRIES = 8;

export interface ScoringParts {
  models: CompiledModel[];
  ledger: Pick<Ledger, 'activitiesOf' | 'resolve' | 'move' | 'erase'>;
  scores: Pick<ScoreStore, 'context' | 'put'>;
  clock?: () => number;
}

/**
 * The ledger stream's handler: each batch is grouped by lead, every lead's scores are loaded once, its new
 * activities folded in with the engine's incremental path, and each changed score written once, conditionally on
 * the revision read (a conflicting writer means: read again, fold again).
 *
 * Failures are reported per lead, as the lowest sequence number of a lead that failed: Lambda then replays the
 * shard from there. Replaying is harmless, because folding an activity a lead already has changes nothing. Batches
 * are coalesced per lead, which the record-at-a-time batch processor cannot do, hence the hand-made response.
 */
export function scoreStreamHandler(parts: ScoringParts) {
  const clock = parts.clock ?? Date.now;
  return async (event: DynamoDBStreamEvent): Promise<DynamoDBBatchResponse> => {
    const byLead = new Map<string, { activities: LedgerItem[]; firstSequence: string }>();
    const visitors = new Map<string, string>();
    for (const record of event.Records) {
      const image = record.dynamodb?.NewImage;
      if (record.eventName !== 'INSERT' || !image) continue;
      const item = itemOfImage<LedgerItem>(image);
      const subject = subjectOf(item.pk);
      if (item.entity !== 'activity' || subject === undefined) continue;
      // Anonymous activity is scored once the visitor is identified (its items move to the lead and arrive again);
      // one recorded as the visitor was being identified or erased is settled below.
      if (subject.kind === 'anonymous') {
        if (!visitors.has(subject.id)) visitors.set(subject.id, record.dynamodb!.SequenceNumber!);
        continue;
      }
      const group = byLead.get(subject.id) ?? {
        activities: [],
        firstSequence: record.dynamodb!.SequenceNumber!,
      };
      group.activities.push(item);
      byLead.set(subject.id, group);
    }

    const failed: string[] = [];
    for (const [leadId, { activities, firstSequence }] of byLead) {
      try {
        await scoreLead(parts, leadId, activities, asOf(activities, clock()));
      } catch (error) {
        count('score.failed');
        logger.error('scoring a lead failed', { leadId, error: error as Error });
        failed.push(firstSequence);
      }
    }
    for (const [visitor, firstSequence] of visitors) {
      try {
        await settleVisitor(parts, visitor);
      } catch (error) {
        logger.error('settling a visitor failed', { error: error as Error });
        failed.push(firstSequence);
      }
    }
    failed.sort((a, b) => (BigInt(a) < BigInt(b) ? -1 : 1));
    return { batchItemFailures: failed.length > 0 ? [{ itemIdentifier: failed[0]! }] : [] };
  };
}

/**
 * The time a batch is scored as of: now, or the newest activity's own time when that is ahead of now (the API
 * accepts up to MAX_CLOCK_SKEW_MS ahead, for senders whose clocks run fast). Scoring it as of now would leave it
 * out of the stored score, and unannounced, until the nightly sweep; scoring it as of its own time reflects it and
 * announces its crossing at once, at most those few minutes early, which is what a fast clock means anyway.
 */
export function asOf(activities: { occurredAt: string }[], now: number): number {
  const newest = Math.max(...activities.map((a) => Date.parse(a.occurredAt)));
  return Math.min(Math.max(now, newest), now + MAX_CLOCK_SKEW_MS);
}

/**
 * An event for a visitor is written under the visitor when its identity was resolved before an identify or an
 * erasure of that visitor committed, and lands after that identify moved (or that erasure swept) the visitor's
 * history. Seen here, after the fact: it joins the lead the visitor now belongs to, or goes with the erased person.
 */
async function settleVisitor(parts: ScoringParts, visitor: string): Promise<void> {
  const subject = { kind: 'anonymous', id: visitor } as const;
  const resolved = await resolveStrongly(parts.ledger, subject);
  if (resolved === 'erased') {
    count('score.visitor-erased', await parts.ledger.erase(subject));
    return;
  }
  // Still a visitor: nobody identified it, and its events wait under it.
  if (resolved.kind !== 'lead') return;
  try {
    count('score.visitor-moved', await parts.ledger.move(subject, resolved.id, Date.now()));
  } catch (error) {
    if (!(error instanceof LeadErased)) throw error;
    count('score.visitor-erased', await parts.ledger.erase(subject));
  }
}

async function scoreLead(
  parts: ScoringParts,
  leadId: string,
  activities: LedgerItem[],
  now: number,
): Promise<void> {
  for (let attempt = 0; ; attempt++) {
    // Scores and profile eventually consistent the first time (every write below is conditional on the revision
    // read), strongly after a conflict, and for a lead with no score yet: its first score's fit comes from this
    // profile read, and follow-profiles only refits scores that exist. A stale profile of a scored lead is refitted
    // there, as it reacts to the change.
    const ids = parts.models.map((m) => m.id);
    let context = await parts.scores.context(leadId, ids, attempt > 0 ? 'strong' : 'scoring');
    if (attempt === 0 && ids.some((id) => !context.scores.has(id)))
      context = await parts.scores.context(leadId, ids, 'strong');
    if (context.erased) {
      // Recorded after the erasure's check and sweeps: it goes too.
      count('score.erased', await parts.ledger.erase({ kind: 'lead', id: leadId }));
      return;
    }
    // A tracking hit names its lead unresolved: one for a lead merged away belongs to the lead it was merged into.
    if (mayBeMergedAway(context)) {
      if ((await settleLead(parts.ledger, context, (parts.clock ?? Date.now)())) === 'away') return;
      if (context.merged) {
        // Its activities are being moved to the lead it was merged into, and are scored there as they arrive.
        count('score.merged');
        return;
      }
    }
    let conflict = false;
    // Read the lead's ledger at most once, and only if some model's stored state must be rebuilt: it was built by
    // another version of the model, or it cannot tell whether an arrival is an event it already has.
    let ledger: Promise<LedgerItem[]> | undefined;
    for (const model of parts.models) {
      const stored = context.scores.get(model.id);
      let rebuilt: Rebuilt | undefined;
      const rebuild = needsRebuild(model, stored)
        ? 'model'
        : needsLedgerFor(model, stored, activities)
          ? 'arrivals'
          : undefined;
      if (rebuild) {
        count(`score.rebuilt-for-${rebuild}`);
        // Strongly: an activity the stored state holds must be in what replaces it.
        ledger ??= parts.ledger.activitiesOf({ kind: 'lead', id: leadId }, true);
        rebuilt = { state: buildState(model, await ledger), for: rebuild };
      }
      const write = scoreActivities(model, leadId, context.attributes, stored, activities, now, rebuilt);
      if (!write) {
        count('score.unchanged');
        continue;
      }
      if (await parts.scores.put(write.item, write.expectedRev)) count('score.written');
      else conflict = true;
    }
    if (!conflict) return;
    count('score.conflict');
    if (attempt >= MAX_CONFLICT_RETRIES)
      throw new Error(`lead ${leadId}: still conflicting after ${attempt + 1} attempts`);
    await new Promise((r) => setTimeout(r, 10 * 2 ** attempt * Math.random()));
  }
}
