import * as z from 'zod';
import { LedgerActivitySchema } from '../domain/activity.ts';
import { AttributesSchema } from '../domain/profile.ts';
import type { SyntheticLead } from '../synthetic/generator.ts';

/**
 * One lead of a backtest dataset (one NDJSON line): its profile, its activities, and what sales saw. `converted`
 * and `won` count as converted, `lost` as not; a lead without an outcome is still open and is left out of the
 * figures.
 */
export const DatasetLeadSchema = z.strictObject({
  leadId: z.string().min(1).max(200),
  attributes: AttributesSchema.optional(),
  activities: z.array(LedgerActivitySchema).default([]),
  outcome: z.enum(['converted', 'won', 'lost']).nullable().optional(),
});
export type DatasetLead = z.infer<typeof DatasetLeadSchema>;

/**
 * import, evaluate and train fail (exit 1) when they skip more than this share of their input: figures from the
 * few leads left would describe a different population, and an AUC from five leads is no AUC.
 */
export const MAX_SKIPPED_SHARE = 0.01;

export const isConverted = (lead: DatasetLead) => lead.outcome === 'converted' || lead.outcome === 'won';
export const hasOutcome = (lead: DatasetLead) => lead.outcome !== undefined && lead.outcome !== null;

/** A synthetic lead as a dataset line: the planted outcome becomes what sales saw. */
export function fromSynthetic(lead: SyntheticLead): DatasetLead {
  return {
    leadId: lead.profile.leadId,
    attributes: lead.profile.attributes,
    activities: lead.activities,
    outcome: lead.converted ? 'converted' : 'lost',
  };
}

/**
 * A dataset that can be read more than once: an array in tests, a file streamed afresh on each call in the CLI,
 * so that a million leads never sit in memory together.
 */
export type DatasetSource =
  | readonly DatasetLead[]
  | (() => AsyncIterable<DatasetLead> | Iterable<DatasetLead>);

export function leadsOf(source: DatasetSource): AsyncIterable<DatasetLead> | Iterable<DatasetLead> {
  return typeof source === 'function' ? source() : source;
}

/**
 * The time a dataset is scored at by default: just after its last activity; `otherwise` (the caller's clock)
 * when it has none, as an export of profiles and outcomes alone.
 */
export async function lastActivityTime(source: DatasetSource, otherwise = 0): Promise<number> {
  let last = Number.NEGATIVE_INFINITY;
  for await (const lead of leadsOf(source))
    for (const a of lead.activities) last = Math.max(last, Date.parse(a.occurredAt));
  return last === Number.NEGATIVE_INFINITY ? otherwise : last + 1;
}
