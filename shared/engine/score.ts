import type { Attributes } from '../domain/profile.ts';
import { type CompiledModel, readPath, type ScoringRule } from '../model/compile.ts';
import { classifyBand, combinedView, gradeFor } from './bands.ts';
import { LimitCounter } from './limits.ts';
import type { Entry, LeadState } from './state.ts';
import { WindowCursor } from './windows.ts';

export interface Contribution {
  rule: string;
  kind: 'behaviour' | 'inactivity' | 'fit';
  group: string;
  /** Points this rule adds now, after limits, decay and rounding. */
  points: number;
  /** Firings that counted (after limits, within the horizon); 1 for a fit or inactivity rule that applies. */
  count: number;
}

/**
 * One line of a score's explanation. The lines add up to the score, to the hundredth: the base, each rule's
 * points before decay, then each adjustment the engine made as a line of its own (decay per group, a group's cap
 * or floor, the fit section's, the total's), and for a predictive model the step from its points to the
 * probability. docs/model.md describes each kind.
 */
export interface BreakdownLine {
  kind:
    | 'base'
    | 'rule'
    | 'rest'
    | 'decay'
    | 'group-cap'
    | 'group-floor'
    | 'total-cap'
    | 'floor'
    | 'probability';
  /** For a person: "pricing-page x3", "activity 251.6, capped at 40". */
  label: string;
  points: number;
  /** Rule lines: the rule, its kind and how many firings counted. */
  rule?: string;
  ruleKind?: Contribution['kind'];
  count?: number;
  /** Rule, decay and group lines: the group ("fit" for fit rules). */
  group?: string;
}

export type Flag = string;

export interface LeadScore {
  model: string;
  version: number;
  score: number;
  /** Behaviour and engagement points after group caps. */
  behaviour: number;
  fit: number;
  grade: string;
  band: string;
  /** Fit x engagement, e.g. "A1": grade letter, then 1 for the top band. */
  combined: string;
  contributions: Contribution[];
  /** The explanation: lines that add up to `score`. */
  breakdown: BreakdownLine[];
  groups: Record<string, number>;
  flags: Flag[];
  lastActivityAt: string | undefined;
  at: string;
}

export const DISQUALIFIED = 'disqualified';

/** A lead's fit: it depends only on the profile, so it is computed once per profile change and stored beside the score. */
export interface FitResult {
  fit: number;
  grade: string;
  contributions: Contribution[];
  disqualified: boolean;
}

export function fitFor(model: CompiledModel, attributes: Attributes | undefined): FitResult {
  const contributions: Contribution[] = [];
  let fit = 0;
  let disqualified = false;
  for (const rule of model.fit) {
    if (!rule.matches(readPath(attributes, rule.attribute))) continue;
    if (rule.and && !rule.and.matches(readPath(attributes, rule.and.attribute))) continue;
    contributions.push({ rule: rule.id, kind: 'fit', group: 'fit', points: rule.points, count: 1 });
    fit += rule.points;
    if (rule.disqualify) disqualified = true;
  }
  const section = model.source.fit;
  fit = clamp(round2(fit), section.floor, section.cap);
  return { fit, grade: gradeFor(section.grades, fit), contributions, disqualified };
}

/**
 * Scores a lead at `now` from its state and profile. Pure: the same inputs give the same output, to the bit.
 * `previousBand` is the band the lead had before, which hysteresis needs.
 */
export function scoreLead(
  model: CompiledModel,
  state: LeadState,
  attributes: Attributes | undefined,
  now: number,
  previousBand?: string,
): LeadScore {
  return scoreWithFit(model, state, fitFor(model, attributes), now, previousBand);
}

/** scoreLead with the fit already known (the decay sweep keeps it with the score instead of reading the profile). */
export function scoreWithFit(
  model: CompiledModel,
  state: LeadState,
  fitResult: FitResult,
  now: number,
  previousBand?: string,
): LeadScore {
  const contributions: Contribution[] = [];
  const lines: BreakdownLine[] = [];
  const adjustments: BreakdownLine[] = [];
  const flags = new Set<Flag>();
  const groupTotals = new Map<string, number>(model.source.groups.map((g) => [g.id, 0]));
  const groupDecay = new Map<string, number>();
  const tally = tallyFirings(model, state.entries, now);
  const labelOf = (id: string, count: number) => (count > 1 ? `${id} x${count}` : id);

  for (const rule of model.rules) {
    if (!rule) continue;
    const count = tally.counts[rule.index]!;
    if (count === 0) continue;
    const points = round2(tally.sums[rule.index]!);
    const undecayed = round2(tally.undecayed[rule.index]!);
    contributions.push({ rule: rule.id, kind: 'behaviour', group: rule.group, points, count });
    lines.push({
      kind: 'rule',
      label: labelOf(rule.id, count),
      points: undecayed,
      rule: rule.id,
      ruleKind: 'behaviour',
      count,
      group: rule.group,
    });
    groupDecay.set(rule.group, (groupDecay.get(rule.group) ?? 0) + points - undecayed);
    groupTotals.set(rule.group, groupTotals.get(rule.group)! + points);
    if (tally.flagged[rule.index] && rule.flag) flags.add(rule.flag);
    if (rule.disqualify) flags.add(DISQUALIFIED);
  }

  const last = state.lastActivityAt;
  if (last !== undefined && last <= now) {
    for (const rule of model.inactivity) {
      const idle = now - last;
      if (idle < rule.inactiveFor) continue;
      const periods = rule.repeat ? Math.floor(idle / rule.inactiveFor) : 1;
      const points = round2(rule.points * periods);
      contributions.push({ rule: rule.id, kind: 'inactivity', group: rule.group, points, count: periods });
      lines.push({
        kind: 'rule',
        label: labelOf(rule.id, periods),
        points,
        rule: rule.id,
        ruleKind: 'inactivity',
        count: periods,
        group: rule.group,
      });
      groupTotals.set(rule.group, groupTotals.get(rule.group)! + points);
    }
  }

  const groups: Record<string, number> = {};
  let behaviour = 0;
  for (const group of model.source.groups) {
    const decay = round2(groupDecay.get(group.id) ?? 0);
    if (decay !== 0)
      adjustments.push({
        kind: 'decay',
        label: `${group.id}: decay since the activities`,
        points: decay,
        group: group.id,
      });
    const raw = round2(groupTotals.get(group.id)!);
    const total = clamp(raw, group.floor, group.cap);
    if (total !== raw)
      adjustments.push(bound(total > raw ? 'group-floor' : 'group-cap', group.id, raw, total, group.id));
    groups[group.id] = total;
    behaviour += total;
  }
  behaviour = round2(behaviour);

  contributions.push(...fitResult.contributions);
  if (fitResult.disqualified) flags.add(DISQUALIFIED);
  const fit = fitResult.fit;
  const section = model.source.fit;
  if (section.addToScore) {
    for (const c of fitResult.contributions)
      lines.push({
        kind: 'rule',
        label: c.rule,
        points: c.points,
        rule: c.rule,
        ruleKind: 'fit',
        count: 1,
        group: 'fit',
      });
    const raw = round2(fitResult.contributions.reduce((sum, c) => sum + c.points, 0));
    if (fit !== raw) adjustments.push(bound(fit > raw ? 'group-floor' : 'group-cap', 'fit', raw, fit, 'fit'));
  }
  const base = model.source.score.base ?? 0;
  const unbounded = round2(base + behaviour + (section.addToScore ? fit : 0));
  const linear = clamp(unbounded, model.source.score.floor, model.source.score.cap);
  if (linear !== unbounded)
    adjustments.push(bound(linear > unbounded ? 'floor' : 'total-cap', 'score', unbounded, linear));
  const score = model.source.link ? probabilityPercent(model.source.link.intercept, linear) : linear;
  if (score !== linear)
    adjustments.push({
      kind: 'probability',
      label: `${linear} points: ${score} % on the model's probability curve`,
      points: round2(score - linear),
    });
  const band = classifyBand(model.source.bands, score, previousBand, flags.has(DISQUALIFIED));
  const grade = fitResult.grade;
  lines.sort((a, b) => Math.abs(b.points) - Math.abs(a.points) || (a.rule! < b.rule! ? -1 : 1));
  const breakdown = [
    ...(base !== 0 ? [{ kind: 'base' as const, label: 'base', points: base }] : []),
    ...lines,
    ...adjustments,
  ];

  contributions.sort((a, b) => Math.abs(b.points) - Math.abs(a.points) || (a.rule < b.rule ? -1 : 1));
  return {
    model: model.id,
    version: model.version,
    score,
    behaviour,
    fit,
    grade,
    band,
    combined: combinedView(model.source.bands, grade, band),
    contributions,
    breakdown,
    groups,
    flags: [...flags].sort(),
    lastActivityAt: last === undefined ? undefined : new Date(last).toISOString(),
    at: new Date(now).toISOString(),
  };
}

/**
 * The earliest time after `now` at which this lead's score, flags or band can change without a new activity: a
 * firing reaching the horizon, a flag expiring, a linear decay step, an inactivity threshold. With half-life decay
 * a score with decaying points changes continuously: the answer is then `now` itself. Undefined when nothing will
 * change. The decay sweep visits a lead only once this time has come.
 */
export function nextChangeAt(model: CompiledModel, state: LeadState, now: number): number | undefined {
  let next = Number.POSITIVE_INFINITY;
  const consider = (t: number) => {
    if (t > now && t < next) next = t;
  };
  const decay = model.source.decay;
  for (const entry of state.entries) {
    if (entry.t > now) {
      consider(entry.t);
      continue;
    }
    consider(entry.t + model.horizon);
    for (const r of entry.rules) {
      // A combination may fire at this entry's time too, and then ages like the rule itself.
      for (const rule of [model.rules[r]!, ...(model.combosByRule[r] ?? [])]) {
        consider(entry.t + rule.flagFor);
        if (!rule.decays || rule.points === 0) continue;
        if (decay.kind === 'halfLife' && now - entry.t < model.horizon) return now;
        if (decay.kind === 'linear')
          consider(entry.t + Math.ceil((now - entry.t + 1) / decay.every) * decay.every);
      }
    }
  }
  const last = state.lastActivityAt;
  if (last !== undefined) {
    for (const rule of model.inactivity) {
      const idle = now - last;
      const periods =
        idle < rule.inactiveFor ? 1 : rule.repeat ? Math.floor(idle / rule.inactiveFor) + 1 : Number.NaN;
      if (!Number.isNaN(periods)) consider(last + periods * rule.inactiveFor);
    }
  }
  return next === Number.POSITIVE_INFINITY ? undefined : next;
}

/**
 * One pass over the entries in time order, firing each rule as its matches arrive:
 * - a plain rule fires at each match;
 * - a window rule fires where its WindowCursor says (windows.ts);
 * - a combination fires at a match of any of its rules when every one of them matched in (t - within, t]
 *   (once per instant).
 * Each firing then meets the rule's limit (the earliest firings fill each epoch-aligned bucket; since time only
 * moves forward, a bucket is a counter that resets), then the horizon and decay, aged from its own time.
 */
function tallyFirings(model: CompiledModel, entries: Entry[], now: number) {
  const { sums, undecayed, counts, flagged, limits, lastMatch, lastComboFiring, windows } = scratchFor(model);
  sums.fill(0);
  undecayed.fill(0);
  counts.fill(0);
  flagged.fill(0);
  limits.reset();
  lastMatch.fill(Number.NEGATIVE_INFINITY);
  lastComboFiring.fill(Number.NEGATIVE_INFINITY);
  for (const w of windows) w?.reset();
  const horizon = model.horizon;

  const fire = (rule: ScoringRule, t: number, key: number): void => {
    const r = rule.index;
    let value = rule.points;
    const limit = rule.limit;
    if (limit) {
      const used = limits.take(rule, t, key);
      if (used >= limit.times) return;
      if (limit.pointsCap !== undefined) {
        const size = Math.abs(rule.points);
        value = Math.sign(rule.points) * Math.min(size, limit.pointsCap - used * size);
      }
    }
    const age = now - t;
    if (age >= horizon) return;
    sums[r] = sums[r]! + (rule.decays ? value * model.decayFactor(age) : value);
    undecayed[r] = undecayed[r]! + value;
    counts[r]!++;
    if (age < rule.flagFor) flagged[r] = 1;
  };

  for (const entry of entries) {
    const t = entry.t;
    if (t > now) break;
    for (let j = 0; j < entry.rules.length; j++) {
      const r = entry.rules[j]!;
      const rule = model.rules[r]!;
      lastMatch[r] = t;
      const window = rule.window;
      if (!window) {
        fire(rule, t, entry.keys?.[j] ?? 0);
      } else {
        const w = windows[r] ?? new WindowCursor();
        windows[r] = w;
        if (w.fires(window, t)) fire(rule, t, entry.keys?.[j] ?? 0);
      }
      const combos = model.combosByRule[r];
      if (combos === undefined) continue;
      for (const combo of combos) {
        if (lastComboFiring[combo.index] === t) continue;
        let all = true;
        for (const ref of combo.all!) if (!(lastMatch[ref]! > t - combo.within!)) all = false;
        if (!all) continue;
        lastComboFiring[combo.index] = t;
        fire(combo, t, 0);
      }
    }
  }
  return { sums, undecayed, counts, flagged };
}

/**
 * Working arrays for tallyFirings, one set per model, reset on every call. Scoring is synchronous, so no two
 * calls share them at once; reusing them spares a dozen allocations per scored lead on the hot path.
 */
const scratch = new WeakMap<CompiledModel, ReturnType<typeof makeScratch>>();
function scratchFor(model: CompiledModel) {
  let s = scratch.get(model);
  if (!s) {
    s = makeScratch(model.rules.length);
    scratch.set(model, s);
  }
  return s;
}
function makeScratch(n: number) {
  return {
    sums: new Float64Array(n),
    undecayed: new Float64Array(n),
    counts: new Int32Array(n),
    flagged: new Uint8Array(n),
    limits: new LimitCounter(n),
    lastMatch: new Float64Array(n),
    lastComboFiring: new Float64Array(n),
    windows: new Array<WindowCursor | undefined>(n),
  };
}

/**
 * A short explanation that still adds up: the base, the `top` largest rule lines, one "rest" line for the other
 * rules together, then every adjustment. Notifications carry this.
 */
export function topOfBreakdown(breakdown: readonly BreakdownLine[], top: number): BreakdownLine[] {
  const rules = breakdown.filter((l) => l.kind === 'rule');
  const rest = rules.slice(top);
  return [
    ...breakdown.filter((l) => l.kind === 'base'),
    ...rules.slice(0, top),
    ...(rest.length > 0
      ? [
          {
            kind: 'rest' as const,
            label: `${rest.length} more rule${rest.length > 1 ? 's' : ''}`,
            points: round2(rest.reduce((sum, l) => sum + l.points, 0)),
            count: rest.length,
          },
        ]
      : []),
    ...breakdown.filter((l) => l.kind !== 'base' && l.kind !== 'rule'),
  ];
}

/** An adjustment line for a cap or floor: "activity 251.6, capped at 40: -211.6". */
function bound(
  kind: 'group-cap' | 'group-floor' | 'total-cap' | 'floor',
  what: string,
  raw: number,
  bounded: number,
  group?: string,
): BreakdownLine {
  const verb = kind === 'group-cap' || kind === 'total-cap' ? 'capped' : 'floored';
  return {
    kind,
    label: `${what} ${raw}, ${verb} at ${bounded}`,
    points: round2(bounded - raw),
    ...(group !== undefined && { group }),
  };
}

/** A predictive model's score: the probability of converting, in percent, from its terms in hundredths of a logit. */
export function probabilityPercent(intercept: number, terms: number): number {
  return round2(100 / (1 + Math.exp(-(intercept + terms / 100))));
}

/** Half away from zero, to hundredths; never -0. */
export function round2(x: number): number {
  const r = (Math.sign(x) * Math.round(Math.abs(x) * 100 + 1e-9)) / 100;
  return r === 0 ? 0 : r;
}

function clamp(x: number, floor: number | undefined, cap: number | undefined): number {
  if (cap !== undefined && x > cap) return cap;
  if (floor !== undefined && x < floor) return floor;
  return x;
}
