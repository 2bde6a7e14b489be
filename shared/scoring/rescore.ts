import { buildState, recomputeLead } from '../engine/index.ts';
import type { CompiledModel } from '../model/compile.ts';
import type { Ledger } from '../store/ledger.ts';
import type { ScoreStore } from '../store/scores.ts';
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
  ledger: Pick<Ledger, 'activitiesOf'>;
  scores: Pick<ScoreStore, 'context' | 'put'>;
  dryRun: boolean;
  now: number;
  progress?: (done: number) => void;
}): Promise<RescoreReport> {
  const { model } = parts;
  const levels = model.source.bands.levels.map((l) => l.id);
  const report: RescoreReport = {
    model: model.id,
    version: model.version,
    dryRun: parts.dryRun,
    leads: 0,
    bandChanges: 0,
    up: 0,
    down: 0,
    transitions: {},
    written: 0,
  };
  for await (const leadId of parts.leadIds) {
    report.leads++;
    for (let attempt = 0; attempt < 8; attempt++) {
      const context = await parts.scores.context(leadId, [model.id]);
      if (context.erased) break;
      const activities = await parts.ledger.activitiesOf({ kind: 'lead', id: leadId });
      const stored = context.scores.get(model.id);
      const before = stored?.band ?? levels[0]!;
      const after = parts.dryRun
        ? recomputeLead(model, activities, context.attributes, parts.now, stored?.band).score.band
        : undefined;
      if (parts.dryRun) {
        count(report, levels, before, after!);
        break;
      }
      const write = scoreActivities(
        model,
        leadId,
        context.attributes,
        stored,
        [],
        parts.now,
        buildState(model, activities),
      );
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

function count(report: RescoreReport, levels: string[], before: string, after: string): void {
  if (before === after) return;
  report.bandChanges++;
  if (levels.indexOf(after) > levels.indexOf(before)) report.up++;
  else report.down++;
  const key = `${before} -> ${after}`;
  report.transitions[key] = (report.transitions[key] ?? 0) + 1;
}
