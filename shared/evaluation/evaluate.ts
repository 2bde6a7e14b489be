import { recomputeLead } from '../engine/full.ts';
import type { Contribution } from '../engine/score.ts';
import type { CompiledModel } from '../model/compile.ts';
import { type DatasetLead, hasOutcome, isConverted } from './dataset.ts';
import {
  type CalibrationBin,
  calibration,
  type Decile,
  deciles,
  type GroupRate,
  ratesBy,
  rocAuc,
  rocCurve,
  type ThresholdResult,
  thresholds,
} from './metrics.ts';

export interface RuleEvidence {
  rule: string;
  kind: Contribution['kind'];
  /** Share of converted / lost leads in which the rule contributed. */
  firedInConverted: number;
  firedInLost: number;
  /** Mean points it gave a converted / lost lead (zero where it did not fire). */
  meanPointsConverted: number;
  meanPointsLost: number;
}

export interface Evaluation {
  model: string;
  version: number;
  kind: 'rules' | 'predictive';
  /** The time every lead was scored at: activities after it are not seen. */
  at: string;
  leads: number;
  withOutcome: number;
  converted: number;
  conversionRate: number;
  auc: number | undefined;
  roc: { fpr: number; tpr: number }[];
  deciles: Decile[];
  bands: GroupRate[];
  grades: GroupRate[];
  /** At each band's lower bound: calling every lead at or above it. */
  thresholds: (ThresholdResult & { band: string })[];
  /** Predictive models only: predicted probability against what happened. */
  calibration?: { bins: CalibrationBin[]; brier: number };
  rules: RuleEvidence[];
}

/**
 * Scores every lead with the engine's full recompute as of `at` (only activities up to then) and compares the
 * scores with the outcomes. Leads without an outcome are scored but not counted.
 */
export function evaluate(
  model: CompiledModel,
  dataset: Iterable<DatasetLead>,
  at: number,
  progress?: (leads: number) => void,
): Evaluation {
  const scored: { score: number; converted: boolean; band: string; grade: string }[] = [];
  const evidence = new Map<
    string,
    { kind: Contribution['kind']; fired: [number, number]; points: [number, number] }
  >();
  let leads = 0;
  for (const lead of dataset) {
    leads++;
    if (progress && leads % 10_000 === 0) progress(leads);
    if (!hasOutcome(lead)) continue;
    const seen = lead.activities.filter((a) => Date.parse(a.occurredAt) <= at);
    const { score } = recomputeLead(model, seen, lead.attributes, at);
    const converted = isConverted(lead);
    scored.push({ score: score.score, converted, band: score.band, grade: score.grade });
    const side = converted ? 0 : 1;
    for (const c of score.contributions) {
      const e = evidence.get(c.rule) ?? { kind: c.kind, fired: [0, 0], points: [0, 0] };
      e.fired[side]++;
      e.points[side] += c.points;
      evidence.set(c.rule, e);
    }
  }
  const converted = scored.filter((s) => s.converted).length;
  const lost = scored.length - converted;
  const levels = model.source.bands.levels;
  const bandOrder = levels.map((l) => l.id).reverse();
  const gradeOrder = model.source.fit.grades.map((g) => g.grade);
  const rules = [...evidence]
    .map(([rule, e]) => ({
      rule,
      kind: e.kind,
      firedInConverted: converted ? e.fired[0] / converted : 0,
      firedInLost: lost ? e.fired[1] / lost : 0,
      meanPointsConverted: converted ? e.points[0] / converted : 0,
      meanPointsLost: lost ? e.points[1] / lost : 0,
    }))
    .sort(
      (a, b) =>
        Math.abs(b.meanPointsConverted - b.meanPointsLost) -
          Math.abs(a.meanPointsConverted - a.meanPointsLost) || (a.rule < b.rule ? -1 : 1),
    );
  return {
    model: model.id,
    version: model.version,
    kind: model.source.kind,
    at: new Date(at).toISOString(),
    leads,
    withOutcome: scored.length,
    converted,
    conversionRate: scored.length ? converted / scored.length : 0,
    auc: rocAuc(scored),
    roc: thin(rocCurve(scored), 200),
    deciles: deciles(scored),
    bands: ratesBy(
      scored.map((s) => ({ group: s.band, converted: s.converted })),
      bandOrder,
    ),
    grades: ratesBy(
      scored.map((s) => ({ group: s.grade, converted: s.converted })),
      gradeOrder,
    ),
    thresholds: levels
      .filter((l) => l.min !== undefined)
      .map((l) => ({ band: l.id, ...thresholds(scored, [l.min!])[0]! }))
      .reverse(),
    ...(model.source.kind === 'predictive' && {
      calibration: calibration(scored.map((s) => ({ probability: s.score / 100, converted: s.converted }))),
    }),
    rules,
  };
}

/** At most `max` points of a curve, evenly spread, first and last kept: enough to draw, small to keep. */
function thin<T>(points: T[], max: number): T[] {
  if (points.length <= max) return points;
  const step = (points.length - 1) / (max - 1);
  return Array.from({ length: max }, (_, i) => points[Math.round(i * step)]!);
}
