import { LeadErased } from '../store/errors.ts';
import { keys, type Subject } from '../store/keys.ts';
import type { Ledger, Resolution } from '../store/ledger.ts';
import type { LeadContext } from '../store/scores.ts';
import { count } from '../telemetry.ts';

/**
 * A tracking hit names its lead without resolving it (shared/ingest/record.ts), so scoring settles a lead the hit
 * may not belong to. A merge claims the merged-away lead's alias and writes markers over its scores in one
 * transaction, and takes its profile; the markers expire a day after the merge finished. So a lead that may have
 * been merged away is one with markers, or with neither a profile nor a score; any other was never merged away.
 */
export function mayBeMergedAway(context: Pick<LeadContext, 'merged' | 'scores' | 'attributes'>): boolean {
  return context.merged || (context.scores.size === 0 && context.attributes === undefined);
}

/** Where one subject's data goes now, read strongly: a merge or erasure that committed before the read is seen. */
export async function resolveStrongly(
  ledger: Pick<Ledger, 'resolve'>,
  subject: Subject,
): Promise<Resolution> {
  return (await ledger.resolve([subject], true)).get(keys.subject(subject)) ?? subject;
}

/** Whether a lead id is a live lead of its own: neither merged into another nor erased (read strongly). */
export async function isItself(ledger: Pick<Ledger, 'resolve'>, leadId: string): Promise<boolean> {
  const resolved = await resolveStrongly(ledger, { kind: 'lead', id: leadId });
  return resolved !== 'erased' && resolved.id === leadId;
}

/**
 * Leads found to be themselves, and when: a lead merged away after that has markers for at least a day after its
 * merge finished, so within SELF_FOR a lead without markers is still itself and need not be read again. Without this, a lead
 * whose hits never score (a crawler's, an e-mail proxy's) would be read strongly with every batch.
 */
const self = new Map<string, number>();
const SELF_FOR_MS = 20 * 3_600_000;
const SELF_MAX = 10_000;

/**
 * Where a lead's activities belong when the hits that brought them were not resolved: the lead itself ('self'), or
 * away (moved to the lead it was merged into, where they are scored as they arrive again; or erased with it).
 * Strongly consistent, so a merge or erasure that committed before the read is seen.
 */
export async function settleLead(
  ledger: Pick<Ledger, 'resolve' | 'move' | 'erase'>,
  context: Pick<LeadContext, 'leadId' | 'merged'>,
  nowMs: number,
): Promise<'self' | 'away'> {
  const { leadId } = context;
  const seen = context.merged ? undefined : self.get(leadId);
  if (seen !== undefined && nowMs - seen < SELF_FOR_MS) return 'self';
  const subject = { kind: 'lead', id: leadId } as const;
  const resolved = await resolveStrongly(ledger, subject);
  if (resolved === 'erased') {
    count('score.erased', await ledger.erase(subject));
    return 'away';
  }
  if (resolved.id === leadId) {
    if (self.size >= SELF_MAX) self.delete(self.keys().next().value!);
    self.set(leadId, nowMs);
    return 'self';
  }
  try {
    count('score.lead-moved', await ledger.move(subject, resolved.id, nowMs));
  } catch (error) {
    if (!(error instanceof LeadErased)) throw error;
    count('score.erased', await ledger.erase(subject));
  }
  return 'away';
}
