/**
 * Verdicts: what the figures mean, said in words, at the top of the CLI output and the HTML report. A `fail` is
 * a model that must not be deployed as it is (inverted, or probably learning the outcome from itself); a `warn`
 * is a figure not to be trusted as it stands. docs/evaluation.md lists them with what to do.
 */
export interface Verdict {
  level: 'fail' | 'warn';
  code: 'inverted' | 'one-band' | 'leakage' | 'too-few-leads' | 'in-sample';
  message: string;
}

/** Above this AUC, real lead scoring is almost surely seeing the outcome. */
export const LEAKAGE_AUC = 0.95;
/**
 * A heuristic, stated so it can be argued with: one source (an attribute, an activity type) that alone ranks
 * held-out leads at AUC LEAKAGE_ALONE or more is rarely known before a lead is worked (no single fact about a
 * new lead predicts that well); from LEAKAGE_STANDOUT it is suspect when its lift over a coin toss is
 * LEAKAGE_LEAD times the next source's, as when one field carries the model alone.
 */
export const LEAKAGE_ALONE = 0.85;
export const LEAKAGE_STANDOUT = 0.75;
export const LEAKAGE_LEAD = 1.5;
/** Fewer leads of the rarer outcome than this per term, and the weights are mostly noise. */
export const LEADS_PER_TERM = 10;

type Alone = readonly { source: string; auc: number }[];
type Shares = readonly { source: string; share: number }[];

export function trainingVerdicts(figures: {
  trainAuc: number | undefined;
  holdoutAuc: number | undefined;
  sources: Shares;
  alone: Alone;
  terms: number;
  /** Training leads of the rarer outcome. */
  trainConverted: number;
}): Verdict[] {
  const verdicts: Verdict[] = [];
  const auc = figures.holdoutAuc ?? figures.trainAuc;
  if (auc !== undefined && auc < 0.5)
    verdicts.push({
      level: 'fail',
      code: 'inverted',
      message: `AUC ${auc.toFixed(3)} held out is below 0.5: the score ranks leads worse than chance`,
    });
  const suspects = suspectedLeaks(figures.alone);
  if (suspects.length > 0) verdicts.push(standsOut(suspects, figures.alone));
  else if (auc !== undefined && auc > LEAKAGE_AUC) verdicts.push(highAuc(auc, figures.sources));
  if (figures.terms > 0 && figures.trainConverted < LEADS_PER_TERM * figures.terms)
    verdicts.push({
      level: 'warn',
      code: 'too-few-leads',
      message: `${figures.trainConverted} training leads of the rarer outcome for ${figures.terms} terms (fewer than ${LEADS_PER_TERM} per term): the points of rare terms are mostly noise; import more outcomes, or raise --min-support or --l2`,
    });
  return verdicts;
}

/** The sources that carry the model alone (see LEAKAGE_STANDOUT). */
export function suspectedLeaks(alone: Alone): string[] {
  const [first, second] = alone;
  if (!first) return [];
  if (first.auc >= LEAKAGE_ALONE) return alone.filter((a) => a.auc >= LEAKAGE_ALONE).map((a) => a.source);
  const next = second?.auc ?? 0.5;
  return first.auc >= LEAKAGE_STANDOUT && first.auc - 0.5 >= LEAKAGE_LEAD * (next - 0.5)
    ? [first.source]
    : [];
}

function standsOut(suspects: string[], alone: Alone): Verdict {
  const auc = alone.find((a) => a.source === suspects[0])!.auc;
  const next = alone.find((a) => !suspects.includes(a.source));
  return {
    level: 'fail',
    code: 'leakage',
    message: `probable leakage: ${suspects.join(', ')} alone ranks leads at AUC ${auc.toFixed(3)}${next ? `, far beyond anything else (${next.source} ${next.auc.toFixed(3)})` : ''}; if it is filled in during or after working a lead, leave it out (afterSale in the mapping, or train --exclude)`,
  };
}

function highAuc(auc: number, sources: Shares): Verdict {
  const top = sources.slice(0, 3).map((s) => `${s.source} (${Math.round(s.share * 100)} %)`);
  return {
    level: 'fail',
    code: 'leakage',
    message: `probable leakage: AUC ${auc.toFixed(3)} is above ${LEAKAGE_AUC}, more than lead scoring reaches${top.length ? `; the score rests most on ${top.join(', ')}` : ''}: leave out what sales fills in after working a lead`,
  };
}

export function evaluationVerdicts(figures: {
  auc: number | undefined;
  bands: { group: string; leads: number }[];
  withOutcome: number;
  /** Leads with an outcome that the model was trained on (undefined when it records no split). */
  trainedOn: number | undefined;
  sources: Shares;
  /** What training found carrying the model alone (recorded in the model). */
  suspects: string[];
}): Verdict[] {
  const verdicts: Verdict[] = [];
  if (figures.auc !== undefined && figures.auc < 0.5)
    verdicts.push({
      level: 'fail',
      code: 'inverted',
      message: `AUC ${figures.auc.toFixed(3)} is below 0.5: the score ranks these leads worse than chance; it rewards the wrong things`,
    });
  const full = figures.bands.find((b) => b.leads === figures.withOutcome && b.leads > 0);
  if (full)
    verdicts.push({
      level: 'warn',
      code: 'one-band',
      message: `every lead is in one band (${full.group}): the bands tell sales nothing about these leads`,
    });
  if (figures.suspects.length > 0)
    verdicts.push({
      level: 'fail',
      code: 'leakage',
      message: `probable leakage: training found that ${figures.suspects.join(', ')} alone ranks leads far beyond anything else; if it is filled in during or after working a lead, retrain without it`,
    });
  else if (figures.auc !== undefined && figures.auc > LEAKAGE_AUC)
    verdicts.push(highAuc(figures.auc, figures.sources));
  if (figures.trainedOn !== undefined && figures.trainedOn > 0)
    verdicts.push({
      level: 'warn',
      code: 'in-sample',
      message: `in-sample: ${figures.trainedOn} of these ${figures.withOutcome} leads trained the model, so the figures flatter it; use --held-out to measure it on leads it has not seen`,
    });
  return verdicts;
}
