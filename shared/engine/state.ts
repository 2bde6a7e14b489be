import type { ScorableActivity } from '../domain/activity.ts';
import { epochMs } from '../domain/time.ts';
import { type CompiledModel, readPath, type ScoringRule } from '../model/compile.ts';
import { fnv1a } from './hash.ts';
import { LimitCounter } from './limits.ts';
import { WindowCursor } from './windows.ts';

/**
 * One activity that matched at least one rule, reduced to what scoring needs: when, which event, which rules
 * (and, for rules limited "by" a property, that property's hash). Activities that match nothing are not kept.
 */
export interface Entry {
  /** occurredAt, epoch milliseconds. */
  t: number;
  /**
   * fnv1a(eventId); (t, h) identifies the event within a lead. UNKNOWN_EVENT for an entry read from a stored state
   * that kept no hash for it: a state keeps one only where two entries share an instant (codec.ts).
   */
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
 * A stored state keeps at most this many entries (the latest of those compaction keeps), so a runaway lead (an
 * unflagged bot) cannot grow its item without bound. This is the one place where compaction is not exact: a lead
 * that needs more forgets its oldest at its next write. Real leads stay far below it (see the engine benchmark's
 * state sizes). The cap comes after compaction, so a state rebuilt from a long ledger keeps what the stream's
 * state would, not merely its latest activities.
 */
export const MAX_ENTRIES = 2048;

/**
 * The hash of an entry whose event the stored state did not keep. Sorts before every real hash (fnv1a is unsigned),
 * so it is the first entry at its instant.
 */
export const UNKNOWN_EVENT = -1;

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
 * matched, or the event is already in the state), so the caller can skip the write. Throws when the state cannot
 * tell (see needsLedger): the caller must fold into a state rebuilt from the ledger instead.
 */
export function applyActivity(model: CompiledModel, state: LeadState, activity: ScorableActivity): boolean {
  const entry = toEntry(model, activity);
  return entry ? insertEntry(state, entry) : false;
}

/**
 * Whether the state cannot say if one of these activities is already in it: one matches a rule at an instant where
 * the state holds an entry whose event it did not keep. That is a re-delivered event, or a second event in the
 * same millisecond; only the lead's ledger can tell, so the caller rebuilds the state from it (it holds every
 * event the state does). Rare: a stream retry, or events recorded in the same millisecond in different batches.
 */
export function needsLedger(model: CompiledModel, state: LeadState, activities: ScorableActivity[]): boolean {
  for (const activity of activities) {
    const entry = toEntry(model, activity);
    if (entry !== undefined && unknownAt(state.entries, entry.t)) return true;
  }
  return false;
}

export function insertEntry(state: LeadState, entry: Entry): boolean {
  const { entries } = state;
  let at = entries.length;
  // Most activities arrive in time order: check the end first.
  if (at > 0 && entries[at - 1]!.t >= entry.t) {
    if (unknownAt(entries, entry.t))
      throw new Error(
        'the state does not know its events at this instant: fold into one rebuilt from the ledger',
      );
    at = lowerBound(entries, entry);
    const found = entries[at];
    if (found !== undefined && compareEntries(found, entry) === 0) return false;
  }
  if (at === entries.length) entries.push(entry);
  else entries.splice(at, 0, entry);
  if (state.lastActivityAt === undefined || entry.t > state.lastActivityAt) state.lastActivityAt = entry.t;
  return true;
}

/** Whether the entry at instant `t` is one whose event the state did not keep (it is then alone there). */
function unknownAt(entries: Entry[], t: number): boolean {
  const found = entries[lowerBound(entries, { t, h: UNKNOWN_EVENT })];
  return found !== undefined && found.t === t && found.h === UNKNOWN_EVENT;
}

/** The first index whose entry is not before `at`. */
function lowerBound(entries: Entry[], at: { t: number; h: number }): number {
  let lo = 0;
  let hi = entries.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (compareEntries(entries[mid]!, at) < 0) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/**
 * Drops every entry that can no longer change any score at `now` or later, whatever arrives later (earlier or
 * later activities, repeats). Exact: scoring the compacted state gives the same result as scoring the full one, at
 * `now` and at any later time, and compacting a compacted state plus new arrivals keeps what compacting the full
 * state plus them would (docs/model.md, "Limits of the incremental state", gives the argument). An entry is kept
 * when any of its rules needs it:
 * - nothing before a rule's reach: its limit bucket wholly older than the horizon, less a window's or
 *   combination's reach back;
 * - a plain limited rule: its first `times` matches per bucket (and per `by` value); a later arrival can only push
 *   a later one out;
 * - a window rule: see windowNeeds;
 * - a rule a combination names, or one without a limit: every match.
 */
export function compactState(model: CompiledModel, state: LeadState, now: number): LeadState {
  const edge = now - model.horizon;
  const keepFrom = keepBoundaries(model, edge);
  const limits = new LimitCounter(model.rules.length);
  const entries = state.entries;
  const needed = new Uint8Array(entries.length);
  const windowed = new Set<ScoringRule>();
  for (let i = 0; i < entries.length; i++) {
    const entry = entries[i]!;
    for (let j = 0; j < entry.rules.length; j++) {
      const r = entry.rules[j]!;
      const rule = model.rules[r]!;
      if (entry.t < keepFrom[r]!) continue;
      const limit = rule.limit;
      if (rule.needsEveryMatch || !limit) needed[i] = 1;
      else if (rule.window) windowed.add(rule);
      else if (limits.take(rule, entry.t, entry.keys?.[j] ?? 0) < limit.times) needed[i] = 1;
    }
  }
  for (const rule of windowed)
    windowNeeds(rule, entries, keepFrom[rule.index]!, firingFrom(rule, edge), needed);
  const kept = entries.filter((_, i) => needed[i] === 1);
  return {
    entries: kept.slice(Math.max(0, kept.length - MAX_ENTRIES)),
    lastActivityAt: state.lastActivityAt,
  };
}

/**
 * Marks the matches a limited window rule (that no combination names) still needs. Its firings are judged bucket by
 * bucket, from the horizon's bucket on:
 * - its own firings: a bucket that already has `times` firings (and no `by`) is full for good, since an arrival
 *   only adds firings; a match after its last counted firing can never count. Every match up to that firing is kept
 *   (an earlier arrival fires only from matches at or before itself), and every match of a bucket not yet full, or
 *   of a rule limited `by` a property (an arrival with a new value has an empty bucket of its own).
 * - what a firing in a later bucket looks back to (the reach into it is the same for every later firing):
 *   - a counting window: the bucket's last `count - 1` matches, those that reach past its end: a window that
 *     holds any match of the bucket holds the bucket's last ones too, and `count - 1` of them with the firing
 *     itself make `count`;
 *   - a return window: the bucket's last match at least `returnAfter` before its end (it is an earlier match for
 *     every later firing that any such match is one for), and every match after that.
 * A bucket wholly older than the horizon's needs only the latter.
 */
function windowNeeds(
  rule: ScoringRule,
  entries: Entry[],
  keepFrom: number,
  firingFrom: number,
  needed: Uint8Array,
): void {
  const window = rule.window!;
  const limit = rule.limit!;
  const r = rule.index;
  const matches: number[] = [];
  for (let i = 0; i < entries.length; i++)
    if (entries[i]!.t >= keepFrom && entries[i]!.rules.includes(r)) matches.push(i);
  const cursor = new WindowCursor();
  const fires = matches.map((i) => cursor.fires(window, entries[i]!.t));

  for (let start = 0; start < matches.length; ) {
    const bucket = Math.floor(entries[matches[start]!]!.t / limit.per);
    let end = start + 1;
    while (end < matches.length && Math.floor(entries[matches[end]!]!.t / limit.per) === bucket) end++;
    const bucketEnd = (bucket + 1) * limit.per;

    if (bucket * limit.per >= firingFrom) {
      let last = end - 1;
      if (limit.by === undefined) {
        let firings = 0;
        for (let k = start; k < end; k++) {
          if (fires[k] && ++firings === limit.times) {
            last = k;
            break;
          }
        }
      }
      for (let k = start; k <= last; k++) needed[matches[k]!] = 1;
    }

    if ('count' in window) {
      for (let k = end - 1; k >= Math.max(start, end - (window.count - 1)); k--) {
        const t = entries[matches[k]!]!.t;
        if (t > bucketEnd - window.within) needed[matches[k]!] = 1;
      }
    } else {
      let k = end - 1;
      while (k >= start && entries[matches[k]!]!.t > bucketEnd - window.returnAfter)
        needed[matches[k--]!] = 1;
      if (k >= start && entries[matches[k]!]!.t >= bucketEnd - window.within) needed[matches[k]!] = 1;
    }
    start = end;
  }
}

/**
 * How far back a state can still need an activity: the horizon, plus the longest a rule's (or combination's) limit
 * bucket and window reach behind it (keepBoundaries). A ledger kept shorter than this could not rebuild a state.
 */
export function stateReach(model: CompiledModel): number {
  let reach = 0;
  for (const rule of [...model.rules, ...model.combos]) {
    if (!rule) continue;
    reach = Math.max(reach, (rule.limit?.per ?? 0) + (rule.window?.within ?? rule.within ?? 0));
  }
  return model.horizon + reach;
}

/** The start of the earliest limit bucket whose firings can still count at `now` or later (edge = now - horizon). */
function firingFrom(rule: ScoringRule, edge: number): number {
  return rule.limit ? Math.floor(edge / rule.limit.per) * rule.limit.per : edge;
}

/** Per rule, the earliest occurredAt that can still matter at `now` or later. */
function keepBoundaries(model: CompiledModel, edge: number): number[] {
  const keepFrom = model.rules.map((rule) => {
    if (!rule) return Number.POSITIVE_INFINITY;
    return firingFrom(rule, edge) - (rule.window?.within ?? 0);
  });
  for (const combo of model.combos) {
    const reach = firingFrom(combo, edge) - combo.within!;
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
