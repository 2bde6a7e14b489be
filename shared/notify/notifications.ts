import type { Crossing } from '../engine/bands.ts';
import { thresholdCrossings } from '../engine/bands.ts';
import { type BreakdownLine, decodeState, scoreWithFit, topOfBreakdown } from '../engine/index.ts';
import type { CompiledModel } from '../model/compile.ts';
import { storedFit } from '../scoring/update.ts';
import type { Cause, ScoreItem } from '../store/scores.ts';

/**
 * The reasons for the new score: lines of its breakdown that add up to it (the largest rules, the rest in one
 * line, and every cap, floor and decay). docs/model.md describes the lines.
 */
export type Reason = BreakdownLine;

/** What subscribers get: one message per threshold crossing or flag change, with the reasons for the new score. */
export interface Notification {
  /** Deterministic: the same change always has the same id, so subscribers can drop repeats. */
  id: string;
  type: 'band_crossing' | 'flag_raised' | 'flag_cleared';
  leadId: string;
  model: string;
  modelVersion: number;
  oldScore: number | null;
  newScore: number;
  oldBand: string | null;
  newBand: string;
  direction: 'up' | 'down' | 'raised' | 'cleared';
  /** Band crossings: every threshold passed on the way, in the order passed. */
  passed?: string[];
  /** Flag changes: which flag. */
  flag?: string;
  grade: string;
  reasons: Reason[];
  cause: Cause;
  at: string;
}

/** SNS message attributes, for subscribers' filter policies. */
export function messageAttributes(n: Notification): Record<string, string> {
  return {
    type: n.type,
    model: n.model,
    band: n.newBand,
    direction: n.direction,
    ...(n.flag !== undefined && { flag: n.flag }),
  };
}

const TOP_REASONS = 5;

/**
 * The notifications one committed score change calls for: its band crossing and flag changes. The reasons
 * explain the new score, recomputed from the state that was written, in lines that add up to it.
 */
export function notificationsFor(
  model: CompiledModel,
  before: ScoreItem | undefined,
  after: ScoreItem,
): Notification[] {
  const crossings = thresholdCrossings(
    model.source.bands,
    before ? { band: before.band, flags: before.flags } : undefined,
    { band: after.band, flags: after.flags },
  );
  if (crossings.length === 0) return [];
  const reasons = reasonsFor(model, after, before?.band);
  return crossings.map((crossing) => ({
    id: notificationId(after, crossing),
    type:
      crossing.kind === 'band'
        ? 'band_crossing'
        : crossing.direction === 'raised'
          ? 'flag_raised'
          : 'flag_cleared',
    leadId: after.leadId,
    model: after.model,
    modelVersion: after.version,
    oldScore: before?.score ?? null,
    newScore: after.score,
    oldBand: before?.band ?? null,
    newBand: after.band,
    direction: crossing.direction,
    ...(crossing.kind === 'band' ? { passed: crossing.passed } : { flag: crossing.flag }),
    grade: after.grade,
    reasons,
    cause: after.cause,
    at: after.updatedAt,
  }));
}

function reasonsFor(model: CompiledModel, item: ScoreItem, previousBand: string | undefined): Reason[] {
  if (item.fingerprint !== model.fingerprint) return [];
  const score = scoreWithFit(
    model,
    decodeState(model, item.state),
    storedFit(model, item),
    Date.parse(item.updatedAt),
    previousBand,
  );
  return topOfBreakdown(score.breakdown, TOP_REASONS);
}

function notificationId(item: ScoreItem, crossing: Crossing): string {
  const what = crossing.kind === 'band' ? `band:${crossing.to}` : `${crossing.direction}:${crossing.flag}`;
  return `${item.leadId}:${item.model}:${item.rev}:${what}`;
}
