import type { ScorableActivity } from '../domain/activity.ts';
import { type Label, labelOf } from '../domain/label.ts';
import type { Attributes } from '../domain/profile.ts';
import {
  applyActivity,
  compactState,
  decodeState,
  emptyState,
  encodeState,
  type FitResult,
  fitFor,
  type LeadScore,
  type LeadState,
  needsLedger,
  nextChangeAt,
  scoreWithFit,
} from '../engine/index.ts';
import type { CompiledModel } from '../model/compile.ts';
import { keys } from '../store/keys.ts';
import type { Cause, ScoreItem } from '../store/scores.ts';

const DAY = 86_400_000;

export interface ScoreWrite {
  item: ScoreItem;
  /** The revision read; the write succeeds only if it is still the stored one. */
  expectedRev: number | undefined;
  score: LeadScore;
}

/** A stored state built by another version of the model: the lead must be rebuilt from its ledger. */
export function needsRebuild(model: CompiledModel, stored: ScoreItem | undefined): boolean {
  return stored !== undefined && stored.fingerprint !== model.fingerprint;
}

/**
 * Whether the stored state cannot tell if one of these activities is already in it (the engine's needsLedger):
 * then they are folded into a state rebuilt from the lead's ledger.
 */
export function needsLedgerFor(
  model: CompiledModel,
  stored: ScoreItem | undefined,
  activities: ScorableActivity[],
): boolean {
  if (stored === undefined || needsRebuild(model, stored)) return false;
  return needsLedger(model, decodeState(model, stored.state), activities);
}

/**
 * A state built from the lead's whole ledger, folded into instead of the stored one: for a new version of the
 * model (`model`: the change is a rescore), or because the stored state could not tell an arrival from an event it
 * has (`arrivals`: the change is the activities', and there is none when they were all in it).
 */
export interface Rebuilt {
  state: LeadState;
  for: 'model' | 'arrivals';
}

/**
 * Folds new activities into a lead's score under one model. Undefined when nothing changed (no rule matched,
 * or every activity was already counted): a redelivered or zero-point activity costs no write.
 */
export function scoreActivities(
  model: CompiledModel,
  leadId: string,
  attributes: Attributes | undefined,
  stored: ScoreItem | undefined,
  activities: ScorableActivity[],
  now: number,
  rebuilt?: Rebuilt,
): ScoreWrite | undefined {
  const rescore = rebuilt?.for === 'model';
  const state = rebuilt?.state ?? (stored ? decodeState(model, stored.state) : emptyState());
  let changed = rebuilt !== undefined;
  // One id, the last activity that changed the state: the score item and each history item carry it, and every
  // id is a score item's bytes (a write unit per started kilobyte).
  let last: string | undefined;
  for (const activity of activities)
    if (applyActivity(model, state, activity)) {
      changed = true;
      last = activity.eventId;
    }
  if (!changed) return undefined;
  // A state rebuilt from the ledger may hold the batch's activities already: the batch is still the cause.
  if (rebuilt?.for === 'arrivals') last ??= activities.at(-1)?.eventId;
  const cause: Cause = {
    kind: rescore ? 'rescore' : 'activity',
    eventIds: last === undefined ? [] : [last],
  };
  // The score before, for "why now": not to be had from a state another version of the model built.
  const before =
    stored && !needsRebuild(model, stored)
      ? scoreWithFit(model, decodeState(model, stored.state), storedFit(model, stored), now)
      : undefined;
  const write = scoreItem(
    model,
    leadId,
    state,
    fitFor(model, attributes),
    stored,
    now,
    cause,
    labelOf(attributes),
  );
  write.item.reason = reasonOf(before, write.score) ?? stored?.reason;
  // An activity past its rule's limit adds an entry that compaction drops again: with the same state and fit,
  // nothing the stored score stands for has changed (what time alone changes is the decay sweep's to write).
  if (stored && !rescore && sameInputs(stored, write.item)) return undefined;
  return write;
}

function sameInputs(a: ScoreItem, b: ScoreItem): boolean {
  return a.fitRules.join() === b.fitRules.join() && Buffer.from(a.state).equals(Buffer.from(b.state));
}

/** Rescores a stored score at `now` with no new activity (decay), from its own state and stored fit. */
export function ageScore(model: CompiledModel, stored: ScoreItem, now: number): ScoreWrite {
  return scoreItem(
    model,
    stored.leadId,
    decodeState(model, stored.state),
    storedFit(model, stored),
    stored,
    now,
    { kind: 'decay' },
    storedLabel(stored),
  );
}

/** Rescores after a profile change: fit may move the score, grade and band. */
export function refitScore(
  model: CompiledModel,
  stored: ScoreItem,
  attributes: Attributes | undefined,
  now: number,
): ScoreWrite {
  return scoreItem(
    model,
    stored.leadId,
    decodeState(model, stored.state),
    fitFor(model, attributes),
    stored,
    now,
    { kind: 'profile' },
    labelOf(attributes),
  );
}

function scoreItem(
  model: CompiledModel,
  leadId: string,
  state: LeadState,
  fit: FitResult,
  stored: ScoreItem | undefined,
  now: number,
  cause: Cause,
  label: Label,
): ScoreWrite {
  const score = scoreWithFit(model, state, fit, now, stored?.band);
  const compacted = compactState(model, state, now);
  const next = nextChangeAt(model, compacted, now);
  // Due times are whole UTC days, so a score's place in the decay index moves at most once a day.
  const due = next === undefined ? undefined : Math.ceil((next + 1) / DAY) * DAY;
  const item: ScoreItem = {
    ...keys.score(leadId, model.id),
    entity: 'score',
    leadId,
    model: model.id,
    version: model.version,
    fingerprint: model.fingerprint,
    state: encodeState(model, compacted),
    score: score.score,
    behaviour: score.behaviour,
    fit: score.fit,
    grade: score.grade,
    band: score.band,
    flags: score.flags,
    fitRules: fit.contributions.map((c) => c.rule),
    lastActivityAt: score.lastActivityAt,
    rev: (stored?.rev ?? 0) + 1,
    updatedAt: new Date(now).toISOString(),
    cause,
    ...label,
    ...(stored?.reason && { reason: stored.reason }),
    rankKey: keys.rank(model.id, score.band),
    rankScore: keys.rankScore(score.score, leadId),
    ...(due !== undefined && {
      decayShard: keys.decayShard(model.id, leadId),
      decayDueAt: new Date(due).toISOString(),
    }),
  };
  return { item, expectedRev: stored?.rev, score };
}

/** The fit a score was written with, from the rule ids kept beside it. */
export function storedFit(model: CompiledModel, stored: ScoreItem): FitResult {
  const matched = new Set(stored.fitRules);
  const rules = model.fit.filter((r) => matched.has(r.id));
  const contributions = rules.map((r) => ({
    rule: r.id,
    kind: 'fit' as const,
    group: 'fit',
    points: r.points,
    count: 1,
  }));
  return {
    fit: stored.fit,
    grade: stored.grade,
    contributions,
    disqualified: rules.some((r) => r.disqualify),
  };
}

function storedLabel(stored: ScoreItem): Label {
  const { name, email, company, title } = stored;
  return {
    ...(name && { name }),
    ...(email && { email }),
    ...(company && { company }),
    ...(title && { title }),
  };
}

/** Why now: the rule whose points moved most between the stored score and this one (up before down). */
function reasonOf(before: LeadScore | undefined, after: LeadScore): string | undefined {
  const old = new Map(before?.contributions.map((c) => [c.rule, c.points]));
  let best: { rule: string; delta: number } | undefined;
  for (const c of after.contributions) {
    const delta = c.points - (old.get(c.rule) ?? 0);
    if (delta > 0 && (!best || delta > best.delta)) best = { rule: c.rule, delta };
  }
  return best?.rule;
}
