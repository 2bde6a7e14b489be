import { describe, expect, it } from 'vitest';
import { decodeState, encodeState, StateFormatError } from '../../../shared/engine/codec.ts';
import { buildState } from '../../../shared/engine/full.ts';
import { activity, DAY, makeModel, T0 } from '../../helpers/engine.ts';

const model = makeModel({
  rules: [
    { id: 'pv', group: 'g', points: 1, when: { type: 'page_view' } },
    {
      id: 'open',
      group: 'g',
      points: 1,
      when: { type: 'email_open' },
      limit: { times: 1, per: '30d', by: 'emailId' },
    },
  ],
});

describe('state codec', () => {
  it('round-trips a state exactly', () => {
    const state = buildState(model, [
      activity('page_view', T0 + DAY),
      activity('email_open', T0, { emailId: 'nl-1' }),
      activity('page_view', T0 - DAY),
    ]);
    expect(decodeState(model, encodeState(model, state))).toEqual(state);
  });

  it('keeps an entry to about ten bytes', () => {
    const state = buildState(
      model,
      Array.from({ length: 50 }, (_, i) => activity('page_view', T0 + i * 3_600_000)),
    );
    // Header: format 1 + fingerprint 4 + lastActivityAt 6 + count 1; entries an hour apart: delta 4 + hash 4 + rules 2.
    expect(encodeState(model, state).length).toBeLessThanOrEqual(12 + 50 * 10 + 2);
  });

  it('refuses a state written for another version of the model', () => {
    const other = makeModel({
      version: 2,
      rules: [{ id: 'pv', group: 'g', points: 1, when: { type: 'page_view' } }],
    });
    const bytes = encodeState(other, buildState(other, [activity('page_view', T0)]));
    expect(() => decodeState(model, bytes)).toThrow(StateFormatError);
  });

  it('refuses truncated bytes', () => {
    const bytes = encodeState(model, buildState(model, [activity('page_view', T0)]));
    expect(() => decodeState(model, bytes.slice(0, bytes.length - 2))).toThrow(StateFormatError);
  });
});
