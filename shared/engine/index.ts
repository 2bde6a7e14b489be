/**
 * The scoring engine: pure functions of (model, lead state or activities, profile, now). No I/O, no clock.
 *
 * Incremental path (the stream handler):  decodeState -> applyActivity* -> scoreLead -> compactState -> encodeState
 * Full path (rescoring, backtests, CLI):   recomputeLead
 * Both give the same LeadScore for the same set of activities, whatever their arrival order or repeats.
 */
export { type Crossing, classifyBand, thresholdCrossings } from './bands.ts';
export { decodeState, encodeState, StateFormatError, stateFingerprint } from './codec.ts';
export { buildState, recomputeLead } from './full.ts';
export {
  type BreakdownLine,
  type Contribution,
  DISQUALIFIED,
  type FitResult,
  fitFor,
  type LeadScore,
  nextChangeAt,
  round2,
  scoreLead,
  scoreWithFit,
  topOfBreakdown,
} from './score.ts';
export {
  applyActivity,
  compactState,
  emptyState,
  type LeadState,
  MAX_ENTRIES,
  needsLedger,
  stateReach,
  UNKNOWN_EVENT,
} from './state.ts';
