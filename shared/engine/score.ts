import type { Attributes } from '../domain/profile.ts';
import { type CompiledModel, readPath, type ScoringRule } from '../model/compile.ts';
import { classifyBand, combinedView, gradeFor } from './bands.ts';
import type { Entry, LeadState } from './state.ts';

export interface Contribution {
  rule: string;
  kind: 'behaviour' | 'inactivity' | 'fit';
  group: string;
  /** Points this rule adds now, after limits, decay and rounding. */
  points: number;
  /** Firings that counted (after limits, within the horizon); 1 for a fit or inactivity rule that applies. */
  count: number;
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
  groups: Record<string, number>;
  flags: Flag[];
  lastActivityAt: string | undefined;
  at: string;
}

export const DISQUALIFIED = 'disqualified';

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
  const contributions: Contribution[] = [];
  const flags = new Set<Flag>();
  const groupTotals = new Map<string, number>(model.source.groups.map((g) => [g.id, 0]));
  const matchTimes = matchesByRule(model, state.entries, now);

  for (const rule of model.rules) {
    if (!rule) continue;
    const firings = rule.all ? comboFirings(rule, matchTimes) : windowFirings(rule, matchTimes[rule.index]!);
    const { points, count, flagged } = countFirings(model, rule, firings, now);
    if (count === 0) continue;
    contributions.push({ rule: rule.id, kind: 'behaviour', group: rule.group, points, count });
    groupTotals.set(rule.group, groupTotals.get(rule.group)! + points);
    if (flagged && rule.flag) flags.add(rule.flag);
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
      groupTotals.set(rule.group, groupTotals.get(rule.group)! + points);
    }
  }

  const groups: Record<string, number> = {};
  let behaviour = 0;
  for (const group of model.source.groups) {
    const total = clamp(round2(groupTotals.get(group.id)!), group.floor, group.cap);
    groups[group.id] = total;
    behaviour += total;
  }
  behaviour = round2(behaviour);

  let fit = 0;
  for (const rule of model.fit) {
    if (!rule.matches(readPath(attributes, rule.attribute))) continue;
    contributions.push({ rule: rule.id, kind: 'fit', group: 'fit', points: rule.points, count: 1 });
    fit += rule.points;
    if (rule.disqualify) flags.add(DISQUALIFIED);
  }
  const fitSection = model.source.fit;
  fit = clamp(round2(fit), fitSection.floor, fitSection.cap);

  const score = clamp(
    round2(behaviour + (fitSection.addToScore ? fit : 0)),
    model.source.score.floor,
    model.source.score.cap,
  );
  const disqualified = flags.has(DISQUALIFIED);
  const band = classifyBand(model.source.bands, score, previousBand, disqualified);
  const grade = gradeFor(model.source.fit.grades, fit);

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
    groups,
    flags: [...flags].sort(),
    lastActivityAt: last === undefined ? undefined : new Date(last).toISOString(),
    at: new Date(now).toISOString(),
  };
}

/** A firing: when a rule fired, and the `limit.by` key of the activity that made it fire. */
interface Firing {
  t: number;
  key: number;
}

/** For each event rule, its matches up to `now`, in time order. */
function matchesByRule(model: CompiledModel, entries: Entry[], now: number): Firing[][] {
  const lists: Firing[][] = model.rules.map(() => []);
  for (const entry of entries) {
    if (entry.t > now) break;
    for (let j = 0; j < entry.rules.length; j++)
      lists[entry.rules[j]!]!.push({ t: entry.t, key: entry.keys[j]! });
  }
  return lists;
}

/**
 * A plain rule fires at each match. A counting window fires at a match when at least `count` matches lie in
 * (t - within, t]; a return window fires at a match when an earlier match lies in [t - within, t - returnAfter].
 */
function windowFirings(rule: ScoringRule, matches: Firing[]): Firing[] {
  const window = rule.window;
  if (!window) return matches;
  const fired: Firing[] = [];
  let tail = 0;
  if ('count' in window) {
    for (let i = 0; i < matches.length; i++) {
      const t = matches[i]!.t;
      while (matches[tail]!.t <= t - window.within) tail++;
      if (i - tail + 1 >= window.count) fired.push(matches[i]!);
    }
    return fired;
  }
  for (let i = 0; i < matches.length; i++) {
    const t = matches[i]!.t;
    while (tail < i && matches[tail]!.t < t - window.within) tail++;
    if (tail < i && matches[tail]!.t <= t - window.returnAfter) fired.push(matches[i]!);
  }
  return fired;
}

/** A combination fires at each match of any of its rules when every one of them matched in (t - within, t]. */
function comboFirings(rule: ScoringRule, matchTimes: Firing[][]): Firing[] {
  const lists = rule.all!.map((i) => matchTimes[i]!);
  const times = [...new Set(lists.flatMap((l) => l.map((m) => m.t)))].sort((a, b) => a - b);
  const cursors = lists.map(() => -1);
  const fired: Firing[] = [];
  for (const t of times) {
    let all = true;
    lists.forEach((list, k) => {
      while (cursors[k]! + 1 < list.length && list[cursors[k]! + 1]!.t <= t) cursors[k]!++;
      const latest = list[cursors[k]!];
      if (latest === undefined || latest.t <= t - rule.within!) all = false;
    });
    if (all) fired.push({ t, key: 0 });
  }
  return fired;
}

/**
 * Applies the rule's limit (the earliest firings fill each epoch-aligned bucket), then the horizon and decay,
 * each firing aged from its own time.
 */
function countFirings(
  model: CompiledModel,
  rule: ScoringRule,
  firings: Firing[],
  now: number,
): { points: number; count: number; flagged: boolean } {
  let sum = 0;
  let count = 0;
  let flagged = false;
  const limit = rule.limit;
  const used = limit ? new Map<string, number>() : undefined;
  for (const firing of firings) {
    let value = rule.points;
    if (limit && used) {
      const bucket = `${Math.floor(firing.t / limit.per)}:${firing.key}`;
      const taken = used.get(bucket) ?? 0;
      if (taken >= limit.times) continue;
      used.set(bucket, taken + 1);
      if (limit.pointsCap !== undefined) {
        value =
          Math.sign(rule.points) *
          Math.min(Math.abs(rule.points), limit.pointsCap - taken * Math.abs(rule.points));
      }
    }
    const age = now - firing.t;
    if (age >= model.horizon) continue;
    sum += rule.decays ? value * model.decayFactor(age) : value;
    count++;
    if (age < rule.flagFor) flagged = true;
  }
  return { points: round2(sum), count, flagged };
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
