import { describe, expect, it } from 'vitest';
import { classifyBand, thresholdCrossings } from '../../../shared/engine/bands.ts';

const bands = {
  hysteresis: 3,
  levels: [{ id: 'cold' }, { id: 'warm', min: 10 }, { id: 'hot', min: 20 }, { id: 'mql', min: 40 }],
};

describe('classifyBand', () => {
  const cases: [string, number, string | undefined, string][] = [
    // score, previous band -> band
    ['a new lead below every threshold', 9.99, undefined, 'cold'],
    ['a threshold is entered at its min', 10, undefined, 'warm'],
    ['up from cold to exactly hot', 20, 'cold', 'hot'],
    ['up several bands at once', 45, 'cold', 'mql'],
    ['hot holds down to min - hysteresis (17)', 17, 'hot', 'hot'],
    ['hot drops just below 17', 16.99, 'hot', 'warm'],
    ['hot drops to cold when below warm - hysteresis (7)', 6.99, 'hot', 'cold'],
    ['hot drops only to warm at 7', 7, 'hot', 'warm'],
    ['mql held at 37', 37, 'mql', 'mql'],
    ['after dropping to warm, 19.99 stays warm (re-armed)', 19.99, 'warm', 'warm'],
    ['after dropping to warm, 20 crosses up again', 20, 'warm', 'hot'],
    ['an unknown previous band is ignored', 15, 'gone', 'warm'],
  ];
  it.each(cases)('%s', (_name, score, previous, expected) => {
    expect(classifyBand(bands, score, previous, false)).toBe(expected);
  });

  it('a disqualified lead is in the lowest band', () => {
    expect(classifyBand(bands, 99, 'mql', true)).toBe('cold');
  });
});

describe('thresholdCrossings', () => {
  it('lists every threshold passed going up', () => {
    expect(thresholdCrossings(bands, { band: 'cold', flags: [] }, { band: 'hot', flags: [] })).toEqual([
      { kind: 'band', from: 'cold', to: 'hot', direction: 'up', passed: ['warm', 'hot'] },
    ]);
  });

  it('lists thresholds passed going down, highest first', () => {
    expect(thresholdCrossings(bands, { band: 'mql', flags: [] }, { band: 'warm', flags: [] })).toEqual([
      { kind: 'band', from: 'mql', to: 'warm', direction: 'down', passed: ['mql', 'hot'] },
    ]);
  });

  it('a first scoring into warm is a crossing up from the lowest band', () => {
    expect(thresholdCrossings(bands, undefined, { band: 'warm', flags: ['high-intent'] })).toEqual([
      { kind: 'band', from: 'cold', to: 'warm', direction: 'up', passed: ['warm'] },
      { kind: 'flag', flag: 'high-intent', direction: 'raised' },
    ]);
  });

  it('reports flags raised and cleared, and nothing when nothing changed', () => {
    expect(
      thresholdCrossings(
        bands,
        { band: 'hot', flags: ['high-intent'] },
        { band: 'hot', flags: ['disqualified'] },
      ),
    ).toEqual([
      { kind: 'flag', flag: 'disqualified', direction: 'raised' },
      { kind: 'flag', flag: 'high-intent', direction: 'cleared' },
    ]);
    expect(thresholdCrossings(bands, { band: 'hot', flags: [] }, { band: 'hot', flags: [] })).toEqual([]);
  });
});
