import { describe, expect, it } from 'vitest';
import { buildState } from '../../../shared/engine/full.ts';
import { applyActivity, decodeState, encodeState, needsLedger } from '../../../shared/engine/index.ts';
import { activity, HOUR, makeModel, T0 } from '../../helpers/engine.ts';

const model = makeModel({
  rules: [
    { id: 'pv', group: 'g', points: 1, when: { type: 'page_view' } },
    { id: 'dl', group: 'g', points: 8, when: { type: 'download' } },
  ],
});

/** A state as the stream handler reads it back: a view alone at T0, and a view and a download sharing T0 + 1h. */
function stored() {
  const lone = activity('page_view', T0);
  const shared = [activity('page_view', T0 + HOUR), activity('download', T0 + HOUR)];
  const state = decodeState(model, encodeState(model, buildState(model, [lone, ...shared])));
  return { state, lone, shared };
}

describe('an instant whose event the stored state did not keep', () => {
  it('needs the ledger for an activity at that instant, and only there', () => {
    const { state, lone, shared } = stored();
    expect(needsLedger(model, state, [lone])).toBe(true);
    expect(needsLedger(model, state, [{ ...lone, eventId: 'another' }])).toBe(true);
    expect(needsLedger(model, state, shared)).toBe(false);
    expect(needsLedger(model, state, [activity('page_view', T0 + 1)])).toBe(false);
    // An activity no rule matches changes nothing, wherever it is.
    expect(needsLedger(model, state, [activity('email_open', T0)])).toBe(false);
  });

  it('is refused by the incremental fold rather than guessed at', () => {
    const { state, lone } = stored();
    expect(() => applyActivity(model, state, lone)).toThrow(/rebuilt from the ledger/);
  });

  it('still tells a shared instant’s events apart: a repeat changes nothing, a new event is added', () => {
    const { state, shared } = stored();
    expect(applyActivity(model, state, shared[0]!)).toBe(false);
    expect(applyActivity(model, state, { ...shared[0]!, eventId: 'third' })).toBe(true);
    expect(state.entries.filter((e) => e.t === T0 + HOUR)).toHaveLength(3);
  });
});
