import { describe, expect, it } from 'vitest';
import { buildState } from '../../../shared/engine/full.ts';
import {
  applyActivity,
  compactState,
  decodeState,
  encodeState,
  MAX_ENTRIES,
  needsLedger,
} from '../../../shared/engine/index.ts';
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

describe('a state rebuilt from a long ledger', () => {
  it('keeps what compaction needs, though the ledger holds more activities than a state may', () => {
    // Prepare: a webinar 60 days ago, then 2,100 page views a minute apart, of which a page view a day counts.
    const limited = makeModel({
      horizon: '90d',
      rules: [
        { id: 'pv', group: 'g', points: 1, when: { type: 'page_view' }, limit: { times: 1, per: '1d' } },
        { id: 'webinar', group: 'g', points: 12, when: { type: 'webinar_attended' } },
      ],
    });
    const webinar = activity('webinar_attended', T0 - 60 * 24 * HOUR);
    const views = Array.from({ length: 2100 }, (_, i) => activity('page_view', T0 - 40 * HOUR + i * 60_000));

    // Act
    const compacted = compactState(limited, buildState(limited, [webinar, ...views]), T0);

    // Assess: the webinar and one view a day stay; nothing was cut before compaction decided.
    expect(compacted.entries.length).toBeLessThan(MAX_ENTRIES);
    expect(compacted.entries[0]!.t).toBe(T0 - 60 * 24 * HOUR);
    expect(compacted.entries).toHaveLength(1 + 2); // the views span two days
  });
});
