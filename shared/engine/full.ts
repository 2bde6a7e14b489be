import type { ScorableActivity } from '../domain/activity.ts';
import type { Attributes } from '../domain/profile.ts';
import type { CompiledModel } from '../model/compile.ts';
import { type LeadScore, scoreLead } from './score.ts';
import { compareEntries, type Entry, type LeadState, toEntry } from './state.ts';

/**
 * The full recompute: a lead's score from its whole ledger, in whatever order it comes, each eventId once.
 * The reference the incremental path must agree with, and the path rescoring and backtests take.
 */
export function recomputeLead(
  model: CompiledModel,
  activities: Iterable<ScorableActivity>,
  attributes: Attributes | undefined,
  now: number,
  previousBand?: string,
): { score: LeadScore; state: LeadState } {
  const state = buildState(model, activities);
  return { score: scoreLead(model, state, attributes, now, previousBand), state };
}

export function buildState(model: CompiledModel, activities: Iterable<ScorableActivity>): LeadState {
  const seen = new Set<string>();
  const entries: Entry[] = [];
  let lastActivityAt: number | undefined;
  for (const activity of activities) {
    if (seen.has(activity.eventId)) continue;
    seen.add(activity.eventId);
    const entry = toEntry(model, activity);
    if (!entry) continue;
    entries.push(entry);
    if (lastActivityAt === undefined || entry.t > lastActivityAt) lastActivityAt = entry.t;
  }
  entries.sort(compareEntries);
  // Two distinct ids with the same millisecond and the same 32-bit hash are one event to the incremental path; be the same here.
  const unique = entries.filter((e, i) => i === 0 || compareEntries(entries[i - 1]!, e) !== 0);
  return { entries: unique, lastActivityAt };
}
