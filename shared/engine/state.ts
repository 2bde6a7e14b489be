import type { ScorableActivity } from '../domain/activity.ts';
import { epochMs } from '../domain/time.ts';
import { type CompiledModel, readPath, type ScoringRule } from '../model/compile.ts';
import { fnv1a } from './hash.ts';
import { LimitCounter } from './limits.ts';

/**
 * One activity that matched at least one rule, reduced to what scoring needs: when, which event, which rules
 * (and, for rules limited "by" a property, that property's hash). Activities that match nothing are not kept.
 */
export interface Entry {
  /** occurredAt, epoch milliseconds. */
  t: number;
  /** fnv1a(eventId); (t, h) identifies the event within a lead. */
  h: number;
  /** Indexes of the matched rules, ascending. Read-only: decoded entries with the same rules share one array. */
  rules: readonly number[];
  /**
   * Parallel to `rules`: hash of the rule's `limit.by` property value (0 when absent). Undefined when every key
   * is 0, which is most entries: most rules have no `by`.
   */
  keys: number[] | undefined;
}

/** A lead's incremental state for one model: a canonical, order-independent summary of its scoring activities. */
export interface LeadState {
  /** Sorted by (t, h), no two alike. */
  entries: Entry[];
  /** The latest occurredAt of any activity that matched a rule; drives inactivity rules. */
  lastActivityAt: number | undefined;
}

/**
 * A stored state keeps at most this many entries (the latest), so a runaway lead (an unflagged bot) cannot grow
 * its item without bound. This is the one place where compaction is not exact: a lead past it forgets its oldest
 * scoring activities at its next write. Real leads stay far below it (see the engine benchmark's state sizes).
 */
export const MAX_ENTRIES = 2048;

export function emptyState(): LeadState {
  return { entries: [], lastActivityAt: undefined };
}

export function compareEntries(a: { t: number; h: number }, b: { t: number; h: number }): number {
  return a.t - b.t || a.h - b.h;
}

/** Matches an activity against the model; undefined when it scores nothing (no rule, or a bot the model ignores). */
export function toEntry(model: CompiledModel, activity: ScorableActivity): Entry | undefined {
  if (activity.bot && !model.scoreBots) return undefined;
  const candidates = model.rulesByType.get(activity.type);
  if (!candidates) return undefined;
  let rules: number[] | undefined;
  let keys: number[] | undefined;
  for (const rule of candidates) {
    if (!rule.matches!(activity.properties)) continue;
    if (rules === undefined) rules = [];
    const key = limitKey(rule, activity);
    if (key !== 0) {
      keys ??= new Array<number>(rules.length).fill(0);
      keys[rules.length] = key;
    } else if (keys) keys[rules.length] = 0;
    rules.push(rule.index);
  }
  // Candidates are listed in rule order, so `rules` is ascending without sorting.
  if (rules === undefined) return undefined;
  return { t: epochMs(activity.occurredAt), h: fnv1a(activity.eventId), rules, keys };
}

/**
 * The incremental path: folds one activity into the state. Returns false when nothing changed (no rule
 * matched, or the event is already in the state), so the caller can skip the write.
 */
export function applyActivity(model: CompiledModel, state: LeadState, activity: ScorableActivity): boolean {
  const entry = toEntry(model, activity);
  return entry ? insertEntry(state, entry) : false;
}

export function insertEntry(state: LeadState, entry: Entry): boolean {
  const { entries } = state;
  let lo = 0;
  let hi = entries.length;
  // Most activities arrive in time order: check the end first.
  const last = entries[hi - 1];
  if (last === undefined || compareEntries(last, entry) < 0) {
    lo = hi;
  } else {
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (compareEntries(entries[mid]!, entry) < 0) lo = mid + 1;
      else hi = mid;
    }
    const found = entries[lo];
    if (found !== undefined && found.t === entry.t && found.h === entry.h) return false;
  }
  if (lo === entries.length) entries.push(entry);
  else entries.splice(lo, 0, entry);
  if (state.lastActivityAt === undefined || entry.t > state.lastActivityAt) state.lastActivityAt = entry.t;
  return true;
}

/**
 * Drops every entry that can no longer change any score at `now` or later: entries whose limit bucket lies wholly
 * beyond the horizon (with a window's or combination's reach added), and entries past their rule's limit in
 * their bucket (the earliest firings fill a bucket; a later arrival can only push a later one out). Exact:
 * scoring the compacted state gives the same result as scoring the full one, at `now` and at any later time.
 */
export function compactState(model: CompiledModel, state: LeadState, now: number): LeadState {
  const keepFrom = keepBoundaries(model, now);
  const limits = new LimitCounter(model.rules.length);
  const start = Math.max(0, state.entries.length - MAX_ENTRIES);
  const kept: Entry[] = [];
  for (let i = start; i < state.entries.length; i++) {
    const entry = state.entries[i]!;
    let needed = false;
    for (let j = 0; j < entry.rules.length; j++) {
      const r = entry.rules[j]!;
      const rule = model.rules[r]!;
      if (entry.t < keepFrom[r]!) continue;
      const limit = rule.limit;
      if (rule.needsEveryMatch || !limit) {
        needed = true;
        continue;
      }
      const used = limits.take(rule, entry.t, entry.keys?.[j] ?? 0);
      if (used < limit.times) needed = true;
    }
    if (needed) kept.push(entry);
  }
  return { entries: kept, lastActivityAt: state.lastActivityAt };
}

/** Per rule, the earliest occurredAt that can still matter at `now` or later. */
function keepBoundaries(model: CompiledModel, now: number): number[] {
  const firingFrom = (rule: ScoringRule): number => {
    const edge = now - model.horizon;
    return rule.limit ? Math.floor(edge / rule.limit.per) * rule.limit.per : edge;
  };
  const keepFrom = model.rules.map((rule) => {
    if (!rule) return Number.POSITIVE_INFINITY;
    return firingFrom(rule) - (rule.window?.within ?? 0);
  });
  for (const combo of model.combos) {
    const reach = firingFrom(combo) - combo.within!;
    for (const ref of combo.all!) keepFrom[ref] = Math.min(keepFrom[ref]!, reach);
  }
  return keepFrom;
}

function limitKey(rule: ScoringRule, activity: ScorableActivity): number {
  const by = rule.limit?.by;
  if (by === undefined) return 0;
  const value = readPath(activity.properties, by);
  return value === undefined || value === null ? 0 : fnv1a(String(value));
}
