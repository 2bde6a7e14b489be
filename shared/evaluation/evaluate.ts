import { recomputeLead } from '../engine/full.ts';
import type { Contribution } from '../engine/score.ts';
import type { CompiledModel } from '../model/compile.ts';
import { isComboRule, isEventRule, isInactivityRule } from '../model/schema.ts';
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
import { isHeldOut, type Split, splitOf } from './split.ts';
import { evaluationVerdicts, type Verdict } from './verdicts.ts';

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

/** One line of the model as a marketer reads it: what earns points, and how many. */
export interface PointsLine {
  rule: string;
  /** What it reads: an attribute, an activity type, "idle", or the base. */
  source: string;
  description: string | undefined;
  points: number;
}

export interface Evaluation {
  model: string;
  version: number;
  kind: 'rules' | 'predictive';
  /** What the figures mean, worst first (verdicts.ts). */
  verdicts: Verdict[];
  /**
   * Which leads were counted: all of them, or only those the model was not trained on (--held-out). `trainedOn`
   * is how many counted leads trained the model, when the model records its split.
   */
  sample: 'all' | 'held-out';
  trainedOn?: number;
  /** The model's points, largest first, with the base first when it has one. */
  points: PointsLine[];
  /** Each source's share of the spread of the scores (as for leakage). */
  sources: { source: string; share: number }[];
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

export interface EvaluateOptions {
  progress?: (leads: number) => void;
  /** Count only leads the model was not trained on (by the split it records); an error if it records none. */
  heldOut?: boolean;
}

export class EvaluationError extends Error {
  override name = 'EvaluationError';
}

/**
 * Scores every lead with the engine's full recompute as of `at` (only activities up to then) and compares the
 * scores with the outcomes. Leads without an outcome are scored but not counted. Streams: what it keeps per lead
 * is its score, band, grade and outcome.
 */
export async function evaluate(
  model: CompiledModel,
  dataset: Iterable<DatasetLead> | AsyncIterable<DatasetLead>,
  at: number,
  options: EvaluateOptions = {},
): Promise<Evaluation> {
  const split: Split | undefined = splitOf(model.source.training);
  if (options.heldOut && !split)
    throw new EvaluationError(
      `${model.id} records no training split (it was not trained by leadscore train), so there are no held-out leads to keep`,
    );
  const scored: { score: number; converted: boolean; band: string; grade: string }[] = [];
  const evidence = new Map<
    string,
    { kind: Contribution['kind']; fired: [number, number]; points: [number, number]; squares: number }
  >();
  let leads = 0;
  let trainedOn = 0;
  for await (const lead of dataset) {
    leads++;
    if (options.progress && leads % 10_000 === 0) options.progress(leads);
    if (!hasOutcome(lead)) continue;
    const converted = isConverted(lead);
    const held = split ? isHeldOut(split, lead.leadId, converted) : false;
    if (options.heldOut && !held) continue;
    if (split && !held) trainedOn++;
    const seen = lead.activities.filter((a) => Date.parse(a.occurredAt) <= at);
    const { score } = recomputeLead(model, seen, lead.attributes, at);
    scored.push({ score: score.score, converted, band: score.band, grade: score.grade });
    const side = converted ? 0 : 1;
    for (const c of score.contributions) {
      const e = evidence.get(c.rule) ?? { kind: c.kind, fired: [0, 0], points: [0, 0], squares: 0 };
      e.fired[side]++;
      e.points[side] += c.points;
      e.squares += c.points ** 2;
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
  const auc = rocAuc(scored);
  const bands = ratesBy(
    scored.map((s) => ({ group: s.band, converted: s.converted })),
    bandOrder,
  );
  const sources = spreadBySource(model, evidence, scored.length);
  const verdicts = evaluationVerdicts({
    auc,
    bands,
    withOutcome: scored.length,
    trainedOn: split ? trainedOn : undefined,
    sources,
    suspects: String(model.source.training?.suspectedLeakage ?? '')
      .split(',')
      .filter((x) => x !== ''),
  }).sort((a, b) => (a.level === b.level ? 0 : a.level === 'fail' ? -1 : 1));
  return {
    model: model.id,
    version: model.version,
    kind: model.source.kind,
    verdicts,
    sample: options.heldOut ? 'held-out' : 'all',
    ...(split && { trainedOn }),
    points: pointsOf(model),
    sources,
    at: new Date(at).toISOString(),
    leads,
    withOutcome: scored.length,
    converted,
    conversionRate: scored.length ? converted / scored.length : 0,
    auc,
    roc: thin(rocCurve(scored), 200),
    deciles: deciles(scored),
    bands,
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

/** Rows of the long lists kept in a published evaluation: a DynamoDB item holds at most 400 KB. */
const PUBLISHED_ROWS = 300;

/**
 * The evaluation as published (`evaluate --publish`): the points table and the rule evidence cut to their
 * PUBLISHED_ROWS largest rows, with how many were left out. A learned model can have well over a thousand
 * rules; the whole table stays in the model file and in the report.
 */
export function forPublishing(
  evaluation: Evaluation,
): Evaluation & { omitted?: { points: number; rules: number } } {
  const points = Math.max(0, evaluation.points.length - PUBLISHED_ROWS);
  const rules = Math.max(0, evaluation.rules.length - PUBLISHED_ROWS);
  if (points === 0 && rules === 0) return evaluation;
  return {
    ...evaluation,
    points: evaluation.points.slice(0, PUBLISHED_ROWS),
    rules: evaluation.rules.slice(0, PUBLISHED_ROWS),
    omitted: { points, rules },
  };
}

/** What each rule reads: a fit rule its attribute, an event rule its activity type. */
function sourceOf(model: CompiledModel): Map<string, string> {
  const sources = new Map<string, string>();
  for (const rule of model.source.rules) {
    if (isEventRule(rule))
      sources.set(rule.id, Array.isArray(rule.when.type) ? rule.when.type.join('|') : rule.when.type);
    else if (isInactivityRule(rule)) sources.set(rule.id, 'idle');
    else if (isComboRule(rule)) sources.set(rule.id, rule.id);
  }
  for (const rule of model.source.fit.rules)
    sources.set(rule.id, rule.and ? `${rule.attribute}+${rule.and.attribute}` : rule.attribute);
  return sources;
}

function pointsOf(model: CompiledModel): PointsLine[] {
  const sources = sourceOf(model);
  const base = model.source.score.base;
  const lines = [...model.source.rules, ...model.source.fit.rules].map((r) => ({
    rule: r.id,
    source: sources.get(r.id) ?? r.id,
    description: r.description,
    points: r.points,
  }));
  lines.sort((a, b) => Math.abs(b.points) - Math.abs(a.points) || (a.rule < b.rule ? -1 : 1));
  return [
    ...(base !== undefined
      ? [{ rule: 'base', source: 'base', description: 'every lead starts here', points: base }]
      : []),
    ...lines,
  ];
}

/**
 * Each source's share of the spread of the scores, from each rule's points (variances summed per source; rules
 * of one source rarely fire together, as the bins of one number never do).
 */
function spreadBySource(
  model: CompiledModel,
  evidence: Map<string, { points: [number, number]; squares: number }>,
  n: number,
): { source: string; share: number }[] {
  if (n === 0) return [];
  const sources = sourceOf(model);
  const bySource = new Map<string, { sum: number; squares: number }>();
  for (const [rule, e] of evidence) {
    const source = sources.get(rule) ?? rule;
    const s = bySource.get(source) ?? { sum: 0, squares: 0 };
    s.sum += e.points[0] + e.points[1];
    s.squares += e.squares;
    bySource.set(source, s);
  }
  const variances = [...bySource].map(([source, s]) => ({ source, v: s.squares / n - (s.sum / n) ** 2 }));
  const total = variances.reduce((t, x) => t + Math.max(0, x.v), 0) || 1;
  return variances
    .map(({ source, v }) => ({ source, share: Math.round((Math.max(0, v) / total) * 1e4) / 1e4 }))
    .filter((s) => s.share > 0)
    .sort((a, b) => b.share - a.share || (a.source < b.source ? -1 : 1));
}

/** At most `max` points of a curve, evenly spread, first and last kept: enough to draw, small to keep. */
function thin<T>(points: T[], max: number): T[] {
  if (points.length <= max) return points;
  const step = (points.length - 1) / (max - 1);
  return Array.from({ length: max }, (_, i) => points[Math.round(i * step)]!);
}
