import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { decodeState, encodeState, StateFormatError } from '../../../shared/engine/codec.ts';
import { buildState } from '../../../shared/engine/full.ts';
import { fnv1a } from '../../../shared/engine/hash.ts';
import { compareEntries, type Entry, type LeadState } from '../../../shared/engine/state.ts';
import { activity, DAY, HOUR, makeModel, T0 } from '../../helpers/engine.ts';

const RULES = [
  { id: 'pv', group: 'g', points: 1, when: { type: 'page_view' } },
  {
    id: 'open',
    group: 'g',
    points: 1,
    when: { type: 'email_open' },
    limit: { times: 1, per: '30d', by: 'emailId' },
  },
  { id: 'dl', group: 'g', points: 8, when: { type: 'download' } },
];
const model = makeModel({ rules: RULES });

/** An entry as toEntry makes one: rules ascending, keys only where some rule has one. */
const entryArb = fc
  .record({
    // Clustered times too, so that entries share a millisecond and deltas are small.
    t: fc.oneof(fc.integer({ min: T0 - 90 * DAY, max: T0 }), fc.integer({ min: T0 - 2, max: T0 + 2 })),
    h: fc.integer({ min: 0, max: 0xffffffff }),
    rules: fc.subarray([0, 1, 2], { minLength: 1 }),
  })
  .chain(({ t, h, rules }) =>
    fc
      .array(fc.oneof(fc.constant(0), fc.integer({ min: 1, max: 0xffffffff })), {
        minLength: rules.length,
        maxLength: rules.length,
      })
      .map((keys): Entry => ({ t, h, rules, keys: keys.some((k) => k !== 0) ? keys : undefined })),
  );

/** A state as the engine keeps one: entries sorted by (t, h), no two alike, lastActivityAt the latest t. */
const stateArb = fc
  .uniqueArray(entryArb, { selector: (e) => `${e.t}:${e.h}`, maxLength: 300 })
  .map((entries): LeadState => {
    entries.sort(compareEntries);
    return { entries, lastActivityAt: entries.at(-1)?.t };
  });

/**
 * A state in format 1 as the format-1 encoder wrote it (commit 7fb3561), for a model with the test model's first
 * two rules; bytes 1 to 4, the fingerprint, are set to the test model's before decoding.
 */
const FORMAT_1 =
  '019849861781ea87dfb83304ffe3a1592c290ce4010080f0b252e52d0ce701035d36767980bab703522c0ce6010080bab70373240ce10102';
const FORMAT_1_STATE: LeadState = {
  entries: [
    { t: T0 - DAY, h: fnv1a('a'), rules: [0], keys: undefined },
    { t: T0, h: fnv1a('b'), rules: [1], keys: [fnv1a('nl-1')] },
    { t: T0 + HOUR, h: fnv1a('c'), rules: [0], keys: undefined },
    { t: T0 + 2 * HOUR, h: fnv1a('d'), rules: [1], keys: undefined },
  ],
  lastActivityAt: T0 + 2 * HOUR,
};

function withFingerprint(bytes: Uint8Array, fingerprint: number): Uint8Array {
  const copy = new Uint8Array(bytes);
  new DataView(copy.buffer).setUint32(1, fingerprint, true);
  return copy;
}

describe('state codec', () => {
  it('round-trips a state exactly', () => {
    const state = buildState(model, [
      activity('page_view', T0 + DAY),
      activity('email_open', T0, { emailId: 'nl-1' }),
      activity('page_view', T0 - DAY),
    ]);
    expect(decodeState(model, encodeState(model, state))).toEqual(state);
  });

  it('round-trips random states exactly', () => {
    fc.assert(
      fc.property(stateArb, (state) => {
        expect(decodeState(model, encodeState(model, state))).toEqual(state);
      }),
      { numRuns: 500 },
    );
  });

  it('still reads a state stored in format 1', () => {
    // Prepare: format-1 bytes, under the test model's fingerprint.
    const bytes = withFingerprint(Buffer.from(FORMAT_1, 'hex'), model.fingerprint);

    // Act, Assess
    expect(decodeState(model, bytes)).toEqual(FORMAT_1_STATE);
  });

  it('keeps an entry to about ten bytes', () => {
    const state = buildState(
      model,
      Array.from({ length: 50 }, (_, i) => activity('page_view', T0 + i * 3_600_000)),
    );
    // Header: format 1 + fingerprint 4 + lastActivityAt 6 + count 1; entries an hour apart: delta 4 + hash 4 + rules 2.
    expect(encodeState(model, state).length).toBeLessThanOrEqual(12 + 50 * 10 + 2);
  });
});

describe('state codec, refusing what is not a state of this model', () => {
  it('refuses a state written for another version of the model', () => {
    const other = makeModel({
      version: 2,
      rules: [{ id: 'pv', group: 'g', points: 1, when: { type: 'page_view' } }],
    });
    const bytes = encodeState(other, buildState(other, [activity('page_view', T0)]));
    expect(() => decodeState(model, bytes)).toThrow(StateFormatError);
  });

  it('refuses every truncation of a state', () => {
    fc.assert(
      fc.property(stateArb, fc.nat(), (state, cut) => {
        const bytes = encodeState(model, state);
        expect(() => decodeState(model, bytes.slice(0, cut % bytes.length))).toThrow(StateFormatError);
      }),
      { numRuns: 500 },
    );
  });

  it('refuses trailing bytes', () => {
    const bytes = encodeState(model, buildState(model, [activity('page_view', T0)]));
    expect(() => decodeState(model, Uint8Array.of(...bytes, 0))).toThrow(/trailing bytes/);
  });

  it('refuses a rule the model does not have', () => {
    // Prepare: a state of a model with a fourth rule, under the fingerprint of the test model, which lacks it.
    const bigger = makeModel({
      rules: [...RULES, { id: 'video', group: 'g', points: 1, when: { type: 'video_watched' } }],
    });
    const state = buildState(bigger, [activity('page_view', T0), activity('video_watched', T0 + HOUR)]);
    const bytes = withFingerprint(encodeState(bigger, state), model.fingerprint);

    // Act, Assess
    expect(() => decodeState(model, bytes)).toThrow(/rule 3 is not in the model/);
  });

  it('reads any bytes as a state or refuses them with a StateFormatError, never another error', () => {
    // A header of this model, then random bytes, or a real state with one byte changed.
    const header = withFingerprint(Uint8Array.of(0, 0, 0, 0, 0), model.fingerprint);
    const corruptArb = fc.oneof(
      fc
        .tuple(fc.constantFrom(1, 2), fc.uint8Array({ maxLength: 40 }))
        .map(([format, tail]) => Uint8Array.of(format, ...header.slice(1), ...tail)),
      fc.tuple(stateArb, fc.nat(), fc.integer({ min: 1, max: 255 })).map(([state, at, xor]) => {
        const bytes = encodeState(model, state);
        bytes[at % bytes.length]! ^= xor;
        return bytes;
      }),
    );
    fc.assert(
      fc.property(corruptArb, (bytes) => {
        try {
          decodeState(model, bytes);
        } catch (error) {
          expect(error).toBeInstanceOf(StateFormatError);
        }
      }),
      { numRuns: 2000 },
    );
  });

  it('refuses an unknown format', () => {
    const bytes = encodeState(model, buildState(model, [activity('page_view', T0)]));
    for (const format of [0, 9, 255]) {
      const other = Uint8Array.of(format, ...bytes.slice(1));
      expect(() => decodeState(model, other)).toThrow(/unknown state format/);
    }
  });
});
