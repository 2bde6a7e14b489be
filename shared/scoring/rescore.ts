import { buildState, recomputeLead } from '../engine/index.ts';
import type { CompiledModel } from '../model/compile.ts';
import type { Ledger, LedgerItem } from '../store/ledger.ts';
import type { LeadContext, ScoreStore } from '../store/scores.ts';
import { isItself, mayBeMergedAway } from './settle.ts';
import { scoreActivities } from './update.ts';

export interface RescoreReport {
  model: string;
  version: number;
  dryRun: boolean;
  leads: number;
  /** Leads whose band would change (dry run) or changed. */
  bandChanges: number;
  up: number;
  down: number;
  /** "warm -> hot": how many. */
  transitions: Record<string, number>;
  written: number;
}

/**
 * Replays each lead's ledger through a model. A dry run compares with the stored scores and writes nothing; a real
 * run writes each lead's rebuilt score (conditionally, so a score that changed meanwhile is recomputed).
 */
export async function rescoreLeads(parts: {
  model: CompiledModel;
  leadIds: AsyncIterable<string> | Iterable<string>;
  ledger: Pick<Ledger, 'activitiesOf' | 'resolve'>;
  scores: Pick<ScoreStore, 'context' | 'put'>;
  dryRun: boolean;
  now: number;
  progress?: (done: number) => void;
}): Promise<RescoreReport> {
  const { model } = parts;
  const levels = model.source.bands.levels.map((l) => l.id);
  const report = emptyReport(model, parts.dryRun);
  for await (const leadId of parts.leadIds) {
    report.leads++;
    for (let attempt = 0; attempt < 8; attempt++) {
      const context = await parts.scores.context(leadId, [model.id]);
      if (context.erased || context.merged) break;
      // A lead merged away or erased, with a tracking hit the stream has not moved on or erased yet: not a lead.
      if (mayBeMergedAway(context) && !(await isItself(parts.ledger, leadId))) break;
      const activities = await parts.ledger.activitiesOf({ kind: 'lead', id: leadId });
      if (parts.dryRun) {
        tallyDryRun(report, model, activities, context, parts.now);
        break;
      }
      const stored = context.scores.get(model.id);
      const before = stored?.band ?? levels[0]!;
      const write = scoreActivities(model, leadId, context.attributes, stored, [], parts.now, {
        state: buildState(model, activities),
        for: 'model',
      });
      if (!write) break;
      write.item.cause = { kind: 'rescore' };
      if (await parts.scores.put(write.item, write.expectedRev)) {
        report.written++;
        count(report, levels, before, write.item.band);
        break;
      }
    }
    parts.progress?.(report.leads);
  }
  return report;
}

export function emptyReport(model: CompiledModel, dryRun: boolean): RescoreReport {
  return {
    model: model.id,
    version: model.version,
    dryRun,
    leads: 0,
    bandChanges: 0,
    up: 0,
    down: 0,
    transitions: {},
    written: 0,
  };
}

/**
 * One lead of a dry run, counted in the report (not as a lead: the caller counts those): the band its stored
 * score has (the lowest without one) against the band the model gives its ledger now. An erased or merged-away lead
 * is skipped.
 */
export function tallyDryRun(
  report: RescoreReport,
  model: CompiledModel,
  activities: LedgerItem[],
  context: LeadContext,
  now: number,
): void {
  if (context.erased || context.merged) return;
  const levels = model.source.bands.levels.map((l) => l.id);
  const stored = context.scores.get(model.id);
  const after = recomputeLead(model, activities, context.attributes, now, stored?.band).score.band;
  count(report, levels, stored?.band ?? levels[0]!, after);
}

function count(report: RescoreReport, levels: string[], before: string, after: string): void {
  if (before === after) return;
  report.bandChanges++;
  if (levels.indexOf(after) > levels.indexOf(before)) report.up++;
  else report.down++;
  const key = `${before} -> ${after}`;
  report.transitions[key] = (report.transitions[key] ?? 0) + 1;
}
