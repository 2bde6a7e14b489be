import { recomputeLead } from '../engine/full.ts';
import { fnv1a } from '../engine/hash.ts';
import { probabilityPercent } from '../engine/score.ts';
import { compileModel } from '../model/compile.ts';
import { ModelError, validateModel } from '../model/parse.ts';
import type { Model } from '../model/schema.ts';
import { type DatasetLead, hasOutcome, isConverted } from './dataset.ts';
import { rocAuc } from './metrics.ts';

export class TrainingError extends Error {
  override name = 'TrainingError';
}

/** A model document as written (YAML parsed, durations as text), before validation fills in defaults. */
// biome-ignore lint/suspicious/noExplicitAny: a document is edited field by field, then validated as a whole.
export type ModelDocument = Record<string, any>;

export interface TrainOptions {
  /**
   * The rule model document whose rules and fit rules are the features (their points are ignored; the fit learns
   * them).
   */
  base: ModelDocument;
  at: number;
  /** Seeds the train/holdout split: the same data and seed give the same model. */
  seed: number;
  /** Share of leads held out to measure the model (default 0.25). */
  holdout?: number;
  /** L2 penalty on the standardised weights (default 1). */
  l2?: number;
  /** Fewest converted and fewest lost leads in the training part (default 30 each). */
  minPerClass?: number;
  /** Attributes known only after a sale (set by sales): fit rules on them are left out. */
  exclude?: string[];
  id?: string;
  version?: number;
  progress?: (stage: string, done: number) => void;
}

export interface TrainResult {
  /** The predictive model document, validated. */
  document: ModelDocument;
  model: Model;
  trainAuc: number | undefined;
  holdoutAuc: number | undefined;
  trainLeads: number;
  holdoutLeads: number;
  /** Each feature's weight in logits per unit (one firing, decayed), largest first. */
  weights: { feature: string; weight: number }[];
}

/**
 * Fits a logistic regression with an L2 penalty (Newton's method, so the answer does not depend on a learning
 * rate) on the features the engine computes at scoring time: each rule of the base model, scored with one point
 * per firing (with the base model's limits, windows and decay), and each fit rule as 0 or 1. The result is a
 * `predictive` model document: the same rules with the learned weights as points (hundredths of a logit), which
 * the engine scores live like any other model.
 */
export function train(dataset: Iterable<DatasetLead>, options: TrainOptions): TrainResult {
  const holdoutShare = options.holdout ?? 0.25;
  const l2 = options.l2 ?? 1;
  const minPerClass = options.minPerClass ?? 30;
  const excluded = new Set(options.exclude ?? []);
  const features = featureModel(options.base, excluded);
  const compiled = compileModel(validated(features, 'the feature model'));
  const fitRules = compiled.source.fit.rules;
  const names = [...compiled.source.rules.map((r) => r.id), ...fitRules.map((r) => r.id)];
  const ruleCount = compiled.source.rules.length;
  const column = new Map(names.map((n, i) => [n, i]));

  const train: { x: Float64Array; y: number }[] = [];
  const holdout: { x: Float64Array; y: number }[] = [];
  let read = 0;
  for (const lead of dataset) {
    if (++read % 10_000 === 0) options.progress?.('features', read);
    if (!hasOutcome(lead)) continue;
    const seen = lead.activities.filter((a) => Date.parse(a.occurredAt) <= options.at);
    const { score } = recomputeLead(compiled, seen, lead.attributes, options.at);
    const x = new Float64Array(names.length);
    for (const c of score.contributions) {
      const j = column.get(c.rule);
      if (j !== undefined) x[j] = c.points;
    }
    const inHoldout = fnv1a(`${options.seed}:${lead.leadId}`) / 2 ** 32 < holdoutShare;
    (inHoldout ? holdout : train).push({ x, y: isConverted(lead) ? 1 : 0 });
  }
  const positives = train.filter((r) => r.y === 1).length;
  const negatives = train.length - positives;
  if (positives < minPerClass || negatives < minPerClass) {
    throw new TrainingError(
      `too few outcomes to train on: the training part has ${positives} converted and ${negatives} lost leads; at least ${minPerClass} of each are needed (import more outcomes, or lower --min-per-class knowingly)`,
    );
  }

  // Standardise, fit, and map the weights back to the features' own units.
  const d = names.length;
  const mean = new Float64Array(d);
  const sd = new Float64Array(d);
  for (const r of train) for (let j = 0; j < d; j++) mean[j]! += r.x[j]! / train.length;
  for (const r of train) for (let j = 0; j < d; j++) sd[j]! += (r.x[j]! - mean[j]!) ** 2 / train.length;
  for (let j = 0; j < d; j++) sd[j] = Math.sqrt(sd[j]!) || 1;
  const z = train.map((r) => ({ x: r.x.map((v, j) => (v - mean[j]!) / sd[j]!), y: r.y }));
  const beta = newton(z, l2, (i) => options.progress?.('fit', i));
  const weights = Array.from({ length: d }, (_, j) => beta[j + 1]! / sd[j]!);
  const intercept = beta[0]! - weights.reduce((s, w, j) => s + w * mean[j]!, 0);

  // The model document: learned points, then bands and grades placed on the predicted probabilities.
  const doc: ModelDocument = structuredClone(features);
  doc.model = options.id ?? `${options.base.model}-predictive`;
  doc.version = options.version ?? 1;
  doc.name = `${options.base.name} (predictive)`;
  doc.description = `Logistic regression on the features of "${options.base.model}" v${options.base.version}, trained by leadscore train.`;
  doc.kind = 'predictive';
  doc.link = { intercept: round(intercept, 6) };
  const points = weights.map((w) => round(w * 100, 2));
  doc.rules.forEach((rule: ModelDocument, j: number) => {
    rule.points = points[j];
  });
  doc.fit.rules.forEach((rule: ModelDocument, j: number) => {
    rule.points = points[ruleCount + j];
  });
  const predict = (rows: { x: Float64Array; y: number }[]) =>
    rows.map((r) => ({
      score: probabilityPercent(
        doc.link.intercept,
        r.x.reduce((s, v, j) => s + v * points[j]!, 0),
      ),
      converted: r.y === 1,
    }));
  const trained = predict(train);
  const held = predict(holdout);
  placeBands(
    doc,
    trained.map((t) => t.score),
  );
  placeGrades(
    doc,
    train.map((r) => r.x.subarray(ruleCount).reduce((s, v, j) => s + v * points[ruleCount + j]!, 0)),
    options.base.fit?.grades?.map((g: ModelDocument) => String(g.grade)) ?? ['A'],
  );
  const trainAuc = rocAuc(trained);
  const holdoutAuc = rocAuc(held);
  doc.training = {
    base: `${options.base.model}@${options.base.version}`,
    at: new Date(options.at).toISOString(),
    seed: options.seed,
    l2,
    trainLeads: train.length,
    trainConverted: positives,
    holdoutLeads: holdout.length,
    ...(trainAuc !== undefined && { trainAuc: round(trainAuc, 4) }),
    ...(holdoutAuc !== undefined && { holdoutAuc: round(holdoutAuc, 4) }),
    ...(excluded.size > 0 && { excludedAttributes: [...excluded].join(',') }),
  };
  return {
    document: doc,
    model: validated(doc, 'the trained model'),
    trainAuc,
    holdoutAuc,
    trainLeads: train.length,
    holdoutLeads: holdout.length,
    weights: names
      .map((feature, j) => ({ feature, weight: weights[j]! }))
      .sort((a, b) => Math.abs(b.weight) - Math.abs(a.weight)),
  };
}

/** The base model with one point per firing and per matching fit rule, and nothing that would bend the sum. */
function featureModel(base: ModelDocument, excluded: Set<string>): ModelDocument {
  const doc: ModelDocument = structuredClone(base);
  delete doc.kind;
  delete doc.link;
  delete doc.training;
  for (const rule of doc.rules ?? []) rule.points = 1;
  for (const group of doc.groups ?? []) {
    delete group.cap;
    delete group.floor;
  }
  delete doc.score;
  const fit = doc.fit ?? { grades: [{ grade: 'A' }] };
  doc.fit = {
    ...fit,
    addToScore: true,
    rules: (fit.rules ?? [])
      .filter((r: ModelDocument) => !excluded.has(r.attribute))
      .map((r: ModelDocument) => ({ ...r, points: 1 })),
  };
  delete doc.fit.cap;
  delete doc.fit.floor;
  return doc;
}

function validated(doc: ModelDocument, what: string): Model {
  const result = validateModel(doc);
  if (!result.ok) throw new ModelError(what, result.problems);
  return result.model;
}

/**
 * Bands on the probability scale, at the shares of leads they hold: the top band the top 3 % of the training
 * leads, then 10 %, then 30 %, the lowest the rest (with fewer bands, the highest of these shares).
 */
function placeBands(doc: ModelDocument, probabilities: number[]): void {
  const sorted = [...probabilities].sort((a, b) => b - a);
  const levels: ModelDocument[] = doc.bands.levels;
  const shares = [0.3, 0.1, 0.03].slice(-(levels.length - 1));
  let previous = 0;
  for (let i = 1; i < levels.length; i++) {
    const share = shares[i - 1] ?? 0.03;
    const cut = sorted[Math.min(sorted.length - 1, Math.floor(share * sorted.length))] ?? 0;
    previous = Math.max(round(cut, 2), round(previous + 0.01, 2));
    levels[i]!.min = previous;
  }
  doc.bands.hysteresis = 0;
}

/** Grades on the fit terms, by quantile of the training leads' fit (as many grades as the base model has). */
function placeGrades(doc: ModelDocument, fits: number[], grades: string[]): void {
  const sorted = fits.map((f) => round(f, 2)).sort((a, b) => b - a);
  let previous = Number.POSITIVE_INFINITY;
  doc.fit.grades = grades.map((grade, i) => {
    if (i === grades.length - 1) return { grade };
    const cut =
      sorted[Math.min(sorted.length - 1, Math.floor(((i + 1) / grades.length) * sorted.length))] ?? 0;
    // Ties can make two cut points equal; a ladder must descend.
    previous = Math.min(cut, round(previous - 0.01, 2));
    return { grade, min: previous };
  });
}

/** L2-penalised logistic regression by Newton's method; beta[0] is the intercept (not penalised). */
function newton(
  rows: { x: Float64Array; y: number }[],
  l2: number,
  progress: (i: number) => void,
): Float64Array {
  const d = rows[0]!.x.length + 1;
  const beta = new Float64Array(d);
  for (let iteration = 0; iteration < 50; iteration++) {
    progress(iteration);
    const gradient = new Float64Array(d);
    const hessian = Array.from({ length: d }, () => new Float64Array(d));
    const v = new Float64Array(d);
    for (const r of rows) {
      v[0] = 1;
      v.set(r.x, 1);
      let eta = 0;
      for (let j = 0; j < d; j++) eta += beta[j]! * v[j]!;
      const p = 1 / (1 + Math.exp(-eta));
      const w = p * (1 - p);
      for (let j = 0; j < d; j++) {
        gradient[j]! += (r.y - p) * v[j]!;
        if (v[j] === 0) continue;
        const hj = hessian[j]!;
        for (let k = j; k < d; k++) hj[k]! += w * v[j]! * v[k]!;
      }
    }
    for (let j = 1; j < d; j++) {
      gradient[j]! -= l2 * beta[j]!;
      hessian[j]![j]! += l2;
    }
    for (let j = 0; j < d; j++) for (let k = 0; k < j; k++) hessian[j]![k] = hessian[k]![j]!;
    hessian[0]![0]! += 1e-9;
    const step = solve(hessian, gradient);
    let change = 0;
    for (let j = 0; j < d; j++) {
      beta[j]! += step[j]!;
      change = Math.max(change, Math.abs(step[j]!));
    }
    if (change < 1e-8) break;
  }
  return beta;
}

/** Solves A x = b for a symmetric positive definite A (Cholesky). */
function solve(a: Float64Array[], b: Float64Array): Float64Array {
  const n = b.length;
  const l = Array.from({ length: n }, () => new Float64Array(n));
  for (let i = 0; i < n; i++) {
    for (let j = 0; j <= i; j++) {
      let sum = a[i]![j]!;
      for (let k = 0; k < j; k++) sum -= l[i]![k]! * l[j]![k]!;
      l[i]![j] = i === j ? Math.sqrt(Math.max(sum, 1e-12)) : sum / l[j]![j]!;
    }
  }
  const y = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    let sum = b[i]!;
    for (let k = 0; k < i; k++) sum -= l[i]![k]! * y[k]!;
    y[i] = sum / l[i]![i]!;
  }
  const x = new Float64Array(n);
  for (let i = n - 1; i >= 0; i--) {
    let sum = y[i]!;
    for (let k = i + 1; k < n; k++) sum -= l[k]![i]! * x[k]!;
    x[i] = sum / l[i]![i]!;
  }
  return x;
}

function round(x: number, digits: number): number {
  const f = 10 ** digits;
  return Math.round(x * f) / f;
}
