/**
 * How well a score ranks the leads that converted: pure functions of (score, outcome) pairs, no I/O.
 * Every figure is defined so it can be checked by hand on a few leads (test/unit/evaluation).
 */

export interface Scored {
  score: number;
  converted: boolean;
}

/**
 * ROC AUC: the chance that a converted lead scores above a lost one, ties counting half (the Mann-Whitney
 * statistic). Undefined without at least one lead of each outcome.
 */
export function rocAuc(leads: readonly Scored[]): number | undefined {
  const sorted = [...leads].sort((a, b) => a.score - b.score);
  const positives = sorted.filter((l) => l.converted).length;
  const negatives = sorted.length - positives;
  if (positives === 0 || negatives === 0) return undefined;
  // Sum of the ranks of converted leads, with tied scores sharing their average rank.
  let rankSum = 0;
  for (let i = 0; i < sorted.length; ) {
    let j = i;
    while (j < sorted.length && sorted[j]!.score === sorted[i]!.score) j++;
    const averageRank = (i + 1 + j) / 2;
    for (let k = i; k < j; k++) if (sorted[k]!.converted) rankSum += averageRank;
    i = j;
  }
  return (rankSum - (positives * (positives + 1)) / 2) / (positives * negatives);
}

/** The ROC curve's points (false positive rate, true positive rate), from the highest threshold down. */
export function rocCurve(leads: readonly Scored[]): { fpr: number; tpr: number }[] {
  const sorted = [...leads].sort((a, b) => b.score - a.score);
  const positives = sorted.filter((l) => l.converted).length;
  const negatives = sorted.length - positives;
  const points = [{ fpr: 0, tpr: 0 }];
  let tp = 0;
  let fp = 0;
  for (let i = 0; i < sorted.length; ) {
    let j = i;
    while (j < sorted.length && sorted[j]!.score === sorted[i]!.score) {
      if (sorted[j]!.converted) tp++;
      else fp++;
      j++;
    }
    points.push({ fpr: negatives ? fp / negatives : 0, tpr: positives ? tp / positives : 0 });
    i = j;
  }
  return points;
}

export interface Decile {
  /** 1 = the tenth with the highest scores. */
  decile: number;
  leads: number;
  /** Converted leads in it; fractional where a group of tied scores straddles a cut (see deciles). */
  converted: number;
  conversionRate: number;
  /** Conversion rate in this decile over the overall rate. */
  lift: number;
  minScore: number;
  maxScore: number;
}

/**
 * Leads in score order, highest first, cut into ten groups as equal as can be (the first `n mod 10` groups take
 * one more lead). Leads with the same score cannot be told apart by the model, so a group of tied scores that
 * straddles a cut is split proportionally: each side gets its share of the group's leads and of its converted
 * leads. The figures then depend only on the scores and outcomes, never on the order of the input.
 */
export function deciles(leads: readonly Scored[]): Decile[] {
  const ties: { score: number; leads: number; converted: number }[] = [];
  for (const l of [...leads].sort((a, b) => b.score - a.score)) {
    const last = ties[ties.length - 1];
    if (last && last.score === l.score) {
      last.leads++;
      if (l.converted) last.converted++;
    } else ties.push({ score: l.score, leads: 1, converted: l.converted ? 1 : 0 });
  }
  const n = leads.length;
  const overall = ties.reduce((s, t) => s + t.converted, 0) / (n || 1);
  const out: Decile[] = [];
  let start = 0;
  let tie = 0;
  let tieStart = 0;
  for (let d = 0; d < 10; d++) {
    const size = Math.floor(n / 10) + (d < n % 10 ? 1 : 0);
    const end = start + size;
    if (size === 0) continue;
    let converted = 0;
    let maxScore = Number.NaN;
    let minScore = Number.NaN;
    // Walk the tie groups overlapping [start, end); a group may continue into the next decile.
    while (tie < ties.length) {
      const t = ties[tie]!;
      const overlap = Math.min(end, tieStart + t.leads) - Math.max(start, tieStart);
      if (overlap > 0) {
        converted += (overlap * t.converted) / t.leads;
        if (Number.isNaN(maxScore)) maxScore = t.score;
        minScore = t.score;
      }
      if (tieStart + t.leads > end) break;
      tieStart += t.leads;
      tie++;
    }
    converted = Math.round(converted * 1e9) / 1e9;
    const rate = converted / size;
    out.push({
      decile: d + 1,
      leads: size,
      converted,
      conversionRate: rate,
      lift: overall > 0 ? rate / overall : 0,
      minScore,
      maxScore,
    });
    start = end;
  }
  return out;
}

export interface ThresholdResult {
  threshold: number;
  /** Leads at or above the threshold. */
  selected: number;
  precision: number | undefined;
  recall: number | undefined;
}

/** For each threshold, calling every lead at or above it: how many of those converted, and how many converters that finds. */
export function thresholds(leads: readonly Scored[], at: readonly number[]): ThresholdResult[] {
  const positives = leads.filter((l) => l.converted).length;
  return at.map((threshold) => {
    const selected = leads.filter((l) => l.score >= threshold);
    const hits = selected.filter((l) => l.converted).length;
    return {
      threshold,
      selected: selected.length,
      precision: selected.length ? hits / selected.length : undefined,
      recall: positives ? hits / positives : undefined,
    };
  });
}

export interface CalibrationBin {
  /** Predicted probability range [from, to). */
  from: number;
  to: number;
  leads: number;
  meanPredicted: number;
  observedRate: number;
}

/**
 * For probabilistic scores: leads binned by predicted probability in ten equal-width bins; in a calibrated model
 * each bin's observed conversion rate is near its mean prediction. Also the Brier score (mean squared error).
 */
export function calibration(leads: readonly { probability: number; converted: boolean }[]): {
  bins: CalibrationBin[];
  brier: number;
} {
  const bins: CalibrationBin[] = [];
  for (let b = 0; b < 10; b++) {
    const from = b / 10;
    const to = (b + 1) / 10;
    const members = leads.filter(
      (l) => l.probability >= from && (l.probability < to || (b === 9 && l.probability <= 1)),
    );
    if (members.length === 0) continue;
    bins.push({
      from,
      to,
      leads: members.length,
      meanPredicted: members.reduce((s, l) => s + l.probability, 0) / members.length,
      observedRate: members.filter((l) => l.converted).length / members.length,
    });
  }
  const brier =
    leads.reduce((s, l) => s + (l.probability - (l.converted ? 1 : 0)) ** 2, 0) / (leads.length || 1);
  return { bins, brier };
}

export interface GroupRate {
  group: string;
  leads: number;
  converted: number;
  conversionRate: number;
}

/** Conversion rate per group (a band, a grade), in the order given. */
export function ratesBy(
  leads: readonly { group: string; converted: boolean }[],
  order: readonly string[],
): GroupRate[] {
  return order.map((group) => {
    const members = leads.filter((l) => l.group === group);
    const converted = members.filter((l) => l.converted).length;
    return {
      group,
      leads: members.length,
      converted,
      conversionRate: members.length ? converted / members.length : 0,
    };
  });
}
