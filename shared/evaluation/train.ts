import { recomputeLead } from '../engine/full.ts';
import { compileModel } from '../model/compile.ts';
import { ModelError, validateModel } from '../model/parse.ts';
import type { Model } from '../model/schema.ts';
import { type Candidate, candidates, DatasetProfile } from './candidates.ts';
import { type DatasetSource, hasOutcome, isConverted, leadsOf } from './dataset.ts';
import { fitLogistic, SparseRows } from './fit.ts';
import { rocAuc } from './metrics.ts';
import { HashList, isHeldOut, type Split, splitFor, splitHash, splitRecord } from './split.ts';
import { LEADS_PER_TERM, suspectedLeaks, trainingVerdicts, type Verdict } from './verdicts.ts';

export class TrainingError extends Error {
  override name = 'TrainingError';
}

/** A model document as written (YAML parsed, durations as text), before validation fills in defaults. */
// biome-ignore lint/suspicious/noExplicitAny: a document is edited field by field, then validated as a whole.
export type ModelDocument = Record<string, any>;

/** The scale of every trained model: this many points double the odds of converting... */
export const POINTS_TO_DOUBLE_ODDS = 20;
/** ...and a lead with this score has even odds (50 %). */
export const EVEN_ODDS_SCORE = 100;
const FACTOR = POINTS_TO_DOUBLE_ODDS / Math.LN2;

export interface TrainOptions {
  /**
   * A rule model whose rules and fit rules are re-weighted (their points are ignored; the fit learns them).
   * Without it, the candidate rules are built from the data: a scorecard.
   */
  base?: ModelDocument;
  at: number;
  /** Seeds the stratified hold-out: the same data and seed give the same model. */
  seed: number;
  /** Share of converted and of lost leads held out to measure the model (default 0.25). */
  holdout?: number;
  /** Which part of the data to hold out, counting in shares of `holdout` (cross-validation; default 0). */
  fold?: number;
  /** L2 penalty on the weights, in logits (default 10): the prior that pulls rare terms to zero. */
  l2?: number;
  /** Fewest converted and fewest lost leads in the training part (default 30 each). */
  minPerClass?: number;
  /** Fewest training leads a term must fire for to get points (default 1 % of them, at least 20). */
  minSupport?: number;
  /** Attributes known only after a sale (set by sales): never learned from. */
  exclude?: string[];
  id?: string;
  version?: number;
  progress?: (stage: 'profile' | 'features' | 'fit', done: number) => void;
}

export interface Term {
  rule: string;
  /** The attribute or activity type it reads. */
  source: string;
  description: string;
  points: number;
  /** Training leads it fired for. */
  support: number;
}

export interface TrainResult {
  /** The model document, validated. */
  document: ModelDocument;
  model: Model;
  trainAuc: number | undefined;
  holdoutAuc: number | undefined;
  trainLeads: number;
  holdoutLeads: number;
  /** The learned points, largest first. */
  terms: Term[];
  /** Each source's share of the spread of training scores: what the score mostly rests on. */
  sources: { source: string; share: number }[];
  /** Each source's AUC on its own (held-out leads, its rules only, no interactions), highest first. */
  alone: { source: string; auc: number }[];
  verdicts: Verdict[];
}

/**
 * Learns an additive scorecard from outcomes. Candidate rules (from `--base`, or built from the data: category
 * values, number bins, activity counts and idleness, see candidates.ts) are scored by the engine with one point
 * each, so each term is exactly what the engine computes live. A logistic regression with an L2 prior on the
 * weights (fit.ts) weighs them on the training part of a seeded, stratified split; the weights are scaled so
 * that POINTS_TO_DOUBLE_ODDS points double the odds and EVEN_ODDS_SCORE is even odds. The result is an ordinary
 * rules model without caps: score = base + sum of points, which the breakdown shows line by line.
 *
 * Two streaming passes over the data (a profile and the hashes of the split, then the terms), so memory grows
 * with the number of leads only by their sparse terms.
 */
export async function train(dataset: DatasetSource, options: TrainOptions): Promise<TrainResult> {
  const share = options.holdout ?? 0.25;
  const l2 = options.l2 ?? 10;
  const minPerClass = options.minPerClass ?? 30;
  const excluded = new Set(options.exclude ?? []);

  // Pass 1: the split's cut-offs, and what the data holds.
  const profile = new DatasetProfile();
  const hashes = { converted: new HashList(), lost: new HashList() };
  let read = 0;
  for await (const lead of leadsOf(dataset)) {
    if (++read % 10_000 === 0) options.progress?.('profile', read);
    if (!hasOutcome(lead)) continue;
    (isConverted(lead) ? hashes.converted : hashes.lost).push(splitHash(options.seed, lead.leadId));
    if (!options.base) profile.observe(lead);
  }
  const split: Split = splitFor(
    options.seed,
    { converted: hashes.converted.values(), lost: hashes.lost.values() },
    share,
    options.fold ?? 0,
  );
  const positives = hashes.converted.length - Math.round(share * hashes.converted.length);
  const negatives = hashes.lost.length - Math.round(share * hashes.lost.length);
  if (positives < minPerClass || negatives < minPerClass)
    throw new TrainingError(
      `too few outcomes to train on: the training part has ${positives} converted and ${negatives} lost leads; at least ${minPerClass} of each are needed (import more outcomes, or lower --min-per-class knowingly)`,
    );
  const minSupport = options.minSupport ?? Math.max(20, Math.round(0.01 * (positives + negatives)));

  const { document: features, sources } = options.base
    ? fromBase(options.base, excluded)
    : fromCandidates(
        candidates(profile, { minSupport, exclude: excluded, horizonMs: 365 * 86_400_000 }),
        options.id ?? 'scorecard',
      );
  const compiled = compileModel(validated(features, 'the candidate rules'));
  const names = [...compiled.source.rules.map((r) => r.id), ...compiled.source.fit.rules.map((r) => r.id)];
  const column = new Map(names.map((n, i) => [n, i]));

  // Pass 2: each lead's terms, as the engine computes them.
  let rows = new SparseRows();
  const heldOut: boolean[] = [];
  let support = new Float64Array(names.length);
  const columns: number[] = [];
  const values: number[] = [];
  read = 0;
  for await (const lead of leadsOf(dataset)) {
    if (++read % 10_000 === 0) options.progress?.('features', read);
    if (!hasOutcome(lead)) continue;
    const seen = lead.activities.filter((a) => Date.parse(a.occurredAt) <= options.at);
    const { score } = recomputeLead(compiled, seen, lead.attributes, options.at);
    columns.length = 0;
    values.length = 0;
    for (const c of score.contributions) {
      const j = column.get(c.rule);
      if (j === undefined || c.points === 0) continue;
      columns.push(j);
      values.push(c.points);
    }
    const converted = isConverted(lead);
    const held = isHeldOut(split, lead.leadId, converted);
    if (!held) for (const j of columns) support[j]!++;
    heldOut.push(held);
    rows.add(columns, values, converted ? 1 : 0);
  }

  const alone = univariate(
    rows,
    heldOut,
    names.map((n) => sources.get(n) ?? n),
  );
  const firstCross = names.length;
  if (!options.base) {
    // Interactions of what the score rests on most, as rules of two attributes: still additive and readable.
    const first = fitLogistic(rows, names.length, l2, (i) => !heldOut[i]);
    const sourceOf = names.map((n) => sources.get(n) ?? n);
    // Only as many as the outcomes can support: LEADS_PER_TERM leads of the rarer outcome for each term.
    const budget = Math.floor(Math.min(positives, negatives) / LEADS_PER_TERM) - names.length;
    const found = crosses(
      rows,
      heldOut,
      first,
      sourceOf,
      features.fit.rules,
      compiled.source.rules.length,
      crossSupportFor(minSupport),
      Math.max(0, Math.min(MAX_CROSSES, budget)),
    );
    rows = widen(rows, found, names.length);
    for (const cross of found) {
      features.fit.rules.push(cross.rule);
      names.push(cross.rule.id);
      sources.set(cross.rule.id, cross.source);
    }
    support = new Float64Array(names.length);
    for (let i = 0; i < rows.rows; i++) if (!heldOut[i]) rows.each(i, (c) => support[c]!++);
  }

  // Terms fired for too few training leads keep zero points (the fit holds them there, and the others take up
  // what they would have explained): a value seen on a handful of leads is noise.
  const crossSupport = crossSupportFor(minSupport);
  const usable = names.map((_, j) => support[j]! >= (j >= firstCross ? crossSupport : minSupport));
  const beta = fitLogistic(
    rows,
    names.length,
    l2,
    (i) => !heldOut[i],
    (i) => options.progress?.('fit', i),
    usable,
  );
  const points = names.map((_, j) => (usable[j] ? round(FACTOR * beta[j + 1]!, 1) : 0));
  const base = round(EVEN_ODDS_SCORE + FACTOR * beta[0]!, 1);

  // Scores exactly as the engine will give them (no caps, points as written), and where they come from.
  const pointsArray = Float64Array.from(points);
  const scored = Array.from({ length: rows.rows }, (_, i) => ({
    score: round(base + rows.dot(i, pointsArray), 2),
    converted: rows.y(i) === 1,
    heldOut: heldOut[i]!,
  }));
  const training = scored.filter((s) => !s.heldOut);
  const held = scored.filter((s) => s.heldOut);
  const trainAuc = rocAuc(training);
  const holdoutAuc = rocAuc(held);
  const shares = spreadBySource(
    rows,
    heldOut,
    points,
    names.map((n) => sources.get(n) ?? n),
  );

  const doc = modelDocument(features, options, { base, points, names });
  placeBands(
    doc,
    training.map((t) => t.score),
    held,
  );
  placeGrades(doc, rows, heldOut, points, compiled.source.rules.length, options.base);
  const terms: Term[] = names
    .map((rule, j) => ({
      rule,
      source: sources.get(rule) ?? rule,
      description: descriptionOf(features, rule) ?? rule,
      points: points[j]!,
      support: support[j]!,
    }))
    .filter((t) => t.points !== 0)
    .sort((a, b) => Math.abs(b.points) - Math.abs(a.points) || (a.rule < b.rule ? -1 : 1));
  doc.training = {
    method: options.base
      ? `re-weighted the rules of ${options.base.model}@${options.base.version}`
      : 'scorecard: candidate rules from the data, L2-penalised logistic regression',
    pointsToDoubleOdds: POINTS_TO_DOUBLE_ODDS,
    evenOddsScore: EVEN_ODDS_SCORE,
    at: new Date(options.at).toISOString(),
    l2,
    minSupport,
    ...(!options.base && { interactionMinSupport: crossSupportFor(minSupport) }),
    ...splitRecord(split),
    trainLeads: training.length,
    trainConverted: training.filter((t) => t.converted).length,
    holdoutLeads: held.length,
    holdoutConverted: held.filter((t) => t.converted).length,
    ...(trainAuc !== undefined && { trainAuc: round(trainAuc, 4) }),
    ...(holdoutAuc !== undefined && { holdoutAuc: round(holdoutAuc, 4) }),
    ...(excluded.size > 0 && { excludedAttributes: [...excluded].join(',') }),
    ...(suspectedLeaks(alone).length > 0 && { suspectedLeakage: suspectedLeaks(alone).join(',') }),
  };
  const verdicts = trainingVerdicts({
    holdoutAuc,
    trainAuc,
    sources: shares,
    alone,
    terms: terms.length,
    trainConverted: Math.min(
      training.filter((t) => t.converted).length,
      training.filter((t) => !t.converted).length,
    ),
  });
  return {
    document: doc,
    model: validated(doc, 'the trained model'),
    trainAuc,
    holdoutAuc,
    trainLeads: training.length,
    holdoutLeads: held.length,
    terms,
    sources: shares,
    alone,
    verdicts,
  };
}

/**
 * Stratified k-fold cross-validation: trains k times, each time holding out another k-th of each outcome, and
 * returns the model of the first fold with the figures of all in its record (cvFolds, cvAuc, cvAucSd).
 */
export async function crossValidate(
  dataset: DatasetSource,
  options: TrainOptions,
  folds: number,
  progress?: (fold: number, auc: number | undefined) => void,
): Promise<TrainResult & { foldAucs: number[] }> {
  const results: TrainResult[] = [];
  for (let fold = 0; fold < folds; fold++) {
    const result = await train(dataset, { ...options, holdout: 1 / folds, fold });
    progress?.(fold, result.holdoutAuc);
    results.push(result);
  }
  const aucs = results.map((r) => r.holdoutAuc ?? Number.NaN);
  const mean = aucs.reduce((s, a) => s + a, 0) / folds;
  const sd = Math.sqrt(aucs.reduce((s, a) => s + (a - mean) ** 2, 0) / Math.max(1, folds - 1));
  const first = results[0]!;
  first.document.training = {
    ...first.document.training,
    cvFolds: folds,
    cvAuc: round(mean, 4),
    cvAucSd: round(sd, 4),
  };
  return { ...first, model: validated(first.document, 'the trained model'), foldAucs: aucs };
}

/** The base model with one point per firing and per matching fit rule, and nothing that would bend the sum. */
function fromBase(base: ModelDocument, excluded: Set<string>) {
  const doc: ModelDocument = structuredClone(base);
  delete doc.kind;
  delete doc.link;
  delete doc.training;
  for (const rule of doc.rules ?? []) rule.points = 1;
  for (const group of doc.groups ?? []) {
    delete group.cap;
    delete group.floor;
  }
  doc.score = {};
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
  const sources = new Map<string, string>([
    ...(doc.rules ?? []).map(
      (r: ModelDocument) => [r.id, r.when?.type ? String(r.when.type) : r.id] as const,
    ),
    ...doc.fit.rules.map((r: ModelDocument) => [r.id, r.attribute] as const),
  ]);
  return { document: doc, sources };
}

/** A model made of the candidate rules: one group without caps, the fit added to the score. */
function fromCandidates(found: { fit: Candidate[]; rules: Candidate[] }, id: string) {
  const document: ModelDocument = {
    model: id,
    version: 1,
    name: id,
    horizon: '365d',
    groups: [{ id: 'activity', description: 'What leads did' }],
    rules: found.rules.map((c) => c.rule),
    fit: {
      addToScore: true,
      rules: found.fit.map((c) => c.rule),
      grades: [{ grade: 'A', min: 3 }, { grade: 'B', min: 2 }, { grade: 'C', min: 1 }, { grade: 'D' }],
    },
    bands: { levels: [{ id: 'cold' }, { id: 'warm', min: 1 }, { id: 'hot', min: 2 }, { id: 'mql', min: 3 }] },
  };
  const sources = new Map([...found.fit, ...found.rules].map((c) => [String(c.rule.id), c.source]));
  return { document, sources };
}

function modelDocument(
  features: ModelDocument,
  options: TrainOptions,
  learned: { base: number; points: number[]; names: string[] },
): ModelDocument {
  const doc: ModelDocument = structuredClone(features);
  const ruleCount = doc.rules.length;
  doc.model = options.id ?? (options.base ? `${options.base.model}-trained` : 'scorecard');
  doc.version = options.version ?? 1;
  doc.name = options.base ? `${options.base.name} (trained)` : 'Scorecard learned from outcomes';
  doc.description = `Trained by leadscore train. Score = base + sum of points; every ${POINTS_TO_DOUBLE_ODDS} points double the odds of converting, and ${EVEN_ODDS_SCORE} is even odds (50 %).`;
  doc.kind = 'rules';
  doc.score = { base: learned.base };
  doc.rules = doc.rules.map((rule: ModelDocument, j: number) => ({ ...rule, points: learned.points[j] }));
  doc.fit.rules = doc.fit.rules.map((rule: ModelDocument, j: number) => ({
    ...rule,
    points: learned.points[ruleCount + j],
  }));
  // Fit rules that earned nothing are noise to a reader. Event rules stay: any rule an activity matches makes
  // it count as activity, which the idleness rules read.
  if (!options.base) doc.fit.rules = doc.fit.rules.filter((r: ModelDocument) => r.points !== 0);
  return doc;
}

/**
 * How well each source ranks leads on its own: each held-out lead is given the conversion rate of the training
 * leads with the same terms from that source (the same category value, bin or count; shrunk towards the overall
 * rate where few leads share them), and that is ranked. About the best any use of the source alone can do; a
 * field sales fills in after the outcome stands out here.
 */
function univariate(
  rows: SparseRows,
  heldOut: boolean[],
  sourceOf: string[],
): { source: string; auc: number }[] {
  const PRIOR = 20;
  let positives = 0;
  let trained = 0;
  for (let i = 0; i < rows.rows; i++)
    if (!heldOut[i]) {
      positives += rows.y(i);
      trained++;
    }
  const overall = positives / (trained || 1);
  const out: { source: string; auc: number }[] = [];
  const keyOf = (i: number, source: string) => {
    let key = '';
    rows.each(i, (c, v) => {
      if (sourceOf[c] === source) key += `${c}:${v},`;
    });
    return key;
  };
  for (const source of new Set(sourceOf)) {
    const cells = new Map<string, [number, number]>();
    for (let i = 0; i < rows.rows; i++) {
      if (heldOut[i]) continue;
      const key = keyOf(i, source);
      const cell = cells.get(key) ?? [0, 0];
      cell[0] += rows.y(i);
      cell[1]++;
      cells.set(key, cell);
    }
    const ranked: { score: number; converted: boolean }[] = [];
    for (let i = 0; i < rows.rows; i++) {
      if (!heldOut[i]) continue;
      const [converted, leads] = cells.get(keyOf(i, source)) ?? [0, 0];
      ranked.push({ score: (converted + PRIOR * overall) / (leads + PRIOR), converted: rows.y(i) === 1 });
    }
    const auc = rocAuc(ranked);
    if (auc !== undefined) out.push({ source, auc: round(auc, 4) });
  }
  return out.sort((a, b) => b.auc - a.auc || (a.source < b.source ? -1 : 1));
}

/** Attributes whose pairs are tried as interactions: those the first fit's score rests on most. */
const CROSSED_ATTRIBUTES = 10;
/**
 * An interaction needs fewer leads than a main term (this share of --min-support): it only corrects the main terms
 * where two facts meet, and the prior keeps a thin one small. On the bank data, 5-fold AUC 0.788 at 1, 0.790 here.
 */
const CROSS_SUPPORT = 0.25;
const crossSupportFor = (minSupport: number) => Math.max(20, Math.round(CROSS_SUPPORT * minSupport));
const MAX_CROSSES = 1500;

/**
 * Candidate interactions: for each pair of the attributes with the largest share of the first fit's spread,
 * every pair of their rules (a category value, a bin) that fires together for at least `minSupport` training
 * leads becomes a rule of two attributes ("contact is cellular and month is may").
 */
function crosses(
  rows: SparseRows,
  heldOut: boolean[],
  beta: Float64Array,
  sourceOf: string[],
  fitRules: ModelDocument[],
  ruleCount: number,
  minSupport: number,
  limit: number,
): { a: number; b: number; source: string; rule: ModelDocument }[] {
  const weights = Array.from({ length: sourceOf.length }, (_, j) => (j >= ruleCount ? beta[j + 1]! : 0));
  const top = new Set(
    spreadBySource(rows, heldOut, weights, sourceOf)
      .filter((s) => fitRules.some((r) => r.attribute === s.source && !r.and))
      .slice(0, CROSSED_ATTRIBUTES)
      .map((s) => s.source),
  );
  // Per pair of rules: leads, and the first fit's residuals and weights over them (for the score statistic).
  const cells = new Map<number, { n: number; residual: number; weight: number }>();
  const active: number[] = [];
  const d = sourceOf.length;
  const weightsOnly = beta.subarray(1);
  for (let i = 0; i < rows.rows; i++) {
    if (heldOut[i]) continue;
    active.length = 0;
    rows.each(i, (c) => {
      if (c >= ruleCount && top.has(sourceOf[c]!)) active.push(c);
    });
    if (active.length < 2) continue;
    const p = 1 / (1 + Math.exp(-(beta[0]! + rows.dot(i, weightsOnly))));
    for (let x = 0; x < active.length; x++)
      for (let y = x + 1; y < active.length; y++) {
        const a = active[x]!;
        const b = active[y]!;
        if (sourceOf[a] === sourceOf[b]) continue;
        const key = Math.min(a, b) * d + Math.max(a, b);
        const cell = cells.get(key) ?? { n: 0, residual: 0, weight: 0 };
        cell.n++;
        cell.residual += rows.y(i) - p;
        cell.weight += p * (1 - p);
        cells.set(key, cell);
      }
  }
  const ids = new Set(fitRules.map((r) => String(r.id)));
  // The most informative first: the score test of adding the pair to the first fit (residual^2 / weight).
  const gain = (c: { residual: number; weight: number }) => c.residual ** 2 / (c.weight || 1);
  return [...cells]
    .filter(([, c]) => c.n >= minSupport)
    .sort(([k1, c1], [k2, c2]) => gain(c2) - gain(c1) || k1 - k2)
    .slice(0, limit)
    .sort(([k1], [k2]) => k1 - k2)
    .map(([key]) => {
      const a = Math.floor(key / d);
      const b = key % d;
      const ra = fitRules[a - ruleCount]!;
      const rb = fitRules[b - ruleCount]!;
      let id = `${ra.id}-and-${rb.id}`.slice(0, 58).replace(/-+$/, '');
      for (let n = 2; ids.has(id); n++) id = `${id.slice(0, 58)}-${n}`;
      ids.add(id);
      return {
        a,
        b,
        source: `${sourceOf[a]}+${sourceOf[b]}`,
        rule: {
          id,
          description: `${ra.description ?? ra.id} and ${rb.description ?? rb.id}`,
          attribute: ra.attribute,
          match: ra.match,
          and: { attribute: rb.attribute, match: rb.match },
          points: 1,
        },
      };
    });
}

/** The rows with a column per interaction, set where both its rules fire (what the engine's `and` computes). */
function widen(rows: SparseRows, found: { a: number; b: number }[], d: number): SparseRows {
  if (found.length === 0) return rows;
  const byPair = new Map(found.map((f, k) => [f.a * d + f.b, d + k]));
  const wide = new SparseRows();
  const columns: number[] = [];
  const values: number[] = [];
  for (let i = 0; i < rows.rows; i++) {
    columns.length = 0;
    values.length = 0;
    rows.each(i, (c, v) => {
      columns.push(c);
      values.push(v);
    });
    const n = columns.length;
    for (let x = 0; x < n; x++)
      for (let y = x + 1; y < n; y++) {
        const a = Math.min(columns[x]!, columns[y]!);
        const b = Math.max(columns[x]!, columns[y]!);
        const k = byPair.get(a * d + b);
        if (k !== undefined) {
          columns.push(k);
          values.push(1);
        }
      }
    wide.add(columns, values, rows.y(i) as 0 | 1);
  }
  return wide;
}

function descriptionOf(doc: ModelDocument, id: string): string | undefined {
  const rule = [...(doc.rules ?? []), ...(doc.fit?.rules ?? [])].find((r: ModelDocument) => r.id === id);
  return rule?.description;
}

/**
 * Each source's share of the spread of training scores: the variance of the points it gives, over the sum of
 * those variances. One source with most of the spread is what leakage looks like.
 */
function spreadBySource(
  rows: SparseRows,
  heldOut: boolean[],
  points: number[],
  sourceOf: string[],
): { source: string; share: number }[] {
  const names = [...new Set(sourceOf)];
  const index = new Map(names.map((n, k) => [n, k]));
  const sum = new Float64Array(names.length);
  const squares = new Float64Array(names.length);
  const lead = new Float64Array(names.length);
  let n = 0;
  for (let i = 0; i < rows.rows; i++) {
    if (heldOut[i]) continue;
    n++;
    lead.fill(0);
    rows.each(i, (c, v) => {
      lead[index.get(sourceOf[c]!)!]! += v * points[c]!;
    });
    for (let k = 0; k < names.length; k++) {
      sum[k]! += lead[k]!;
      squares[k]! += lead[k]! ** 2;
    }
  }
  const variance = names.map((_, k) => (n ? squares[k]! / n - (sum[k]! / n) ** 2 : 0));
  const total = variance.reduce((s, v) => s + v, 0) || 1;
  return names
    .map((source, k) => ({ source, share: round(variance[k]! / total, 4) }))
    .filter((s) => s.share > 0)
    .sort((a, b) => b.share - a.share || (a.source < b.source ? -1 : 1));
}

function validated(doc: ModelDocument, what: string): Model {
  const result = validateModel(doc);
  if (!result.ok) throw new ModelError(what, result.problems);
  return result.model;
}

/**
 * Bands at the shares of training leads they hold: the top band the top 3 %, then 10 %, then 30 %, the lowest
 * the rest (with fewer bands, the highest of these shares). Each carries the conversion rate measured on the
 * held-out leads, which is what a marketer can expect of it.
 */
function placeBands(
  doc: ModelDocument,
  trainingScores: number[],
  held: { score: number; converted: boolean }[],
): void {
  const sorted = [...trainingScores].sort((a, b) => b - a);
  const levels: ModelDocument[] = doc.bands.levels;
  const shares = [0.3, 0.1, 0.03].slice(-(levels.length - 1));
  let previous = Number.NEGATIVE_INFINITY;
  for (let i = 1; i < levels.length; i++) {
    const share = shares[i - 1] ?? 0.03;
    const cut = sorted[Math.min(sorted.length - 1, Math.floor(share * sorted.length))] ?? 0;
    previous = Math.max(round(cut, 1), round(previous + 0.1, 1));
    levels[i]!.min = previous;
  }
  doc.bands.hysteresis = 0;
  levels.forEach((level, i) => {
    const upper = levels[i + 1]?.min ?? Number.POSITIVE_INFINITY;
    const members = held.filter((h) => h.score >= (level.min ?? Number.NEGATIVE_INFINITY) && h.score < upper);
    const converted = members.filter((m) => m.converted).length;
    level.conversionRate = members.length ? round(converted / members.length, 4) : 0;
    level.description = `${(level.conversionRate * 100).toFixed(1)} % of ${members.length} held-out leads in this band converted`;
  });
}

/** Grades on the fit points, by quantile of the training leads' fit (as many grades as the model has). */
function placeGrades(
  doc: ModelDocument,
  rows: SparseRows,
  heldOut: boolean[],
  points: number[],
  ruleCount: number,
  base: ModelDocument | undefined,
): void {
  const grades: string[] = base?.fit?.grades?.map((g: ModelDocument) => String(g.grade)) ?? [
    'A',
    'B',
    'C',
    'D',
  ];
  const fits: number[] = [];
  for (let i = 0; i < rows.rows; i++) {
    if (heldOut[i]) continue;
    let fit = 0;
    rows.each(i, (c, v) => {
      if (c >= ruleCount) fit += v * points[c]!;
    });
    fits.push(round(fit, 2));
  }
  fits.sort((a, b) => b - a);
  let previous = Number.POSITIVE_INFINITY;
  doc.fit.grades = grades.map((grade, i) => {
    if (i === grades.length - 1) return { grade };
    const cut = fits[Math.min(fits.length - 1, Math.floor(((i + 1) / grades.length) * fits.length))] ?? 0;
    // Ties can make two cut points equal; a ladder must descend.
    previous = Math.min(cut, round(previous - 0.1, 1));
    return { grade, min: previous };
  });
}

function round(x: number, digits: number): number {
  const f = 10 ** digits;
  const r = Math.round(x * f) / f;
  return r === 0 ? 0 : r;
}
