import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { epochMs } from '../../../shared/domain/time.ts';

describe('epochMs', () => {
  it('agrees with Date.parse on every canonical UTC timestamp', () => {
    fc.assert(
      fc.property(
        fc.date({
          min: new Date('1971-01-01T00:00:00Z'),
          max: new Date('2199-12-31T23:59:59Z'),
          noInvalidDate: true,
        }),
        fc.boolean(),
        (date, withMs) => {
          const iso = withMs ? date.toISOString() : date.toISOString().replace(/\.\d{3}Z$/, 'Z');
          expect(epochMs(iso)).toBe(Date.parse(iso));
        },
      ),
    );
  });

  it.each([
    ['2026-11-24T09:30:00+01:00', Date.parse('2026-11-24T08:30:00Z')],
    ['2026-11-24', Date.parse('2026-11-24')],
    ['2026-02-31T00:00:00Z', Number.NaN],
    ['2026-13-01T00:00:00Z', Number.NaN],
    ['2026-1x-01T00:00:00Z', Number.NaN],
    ['not a time', Number.NaN],
  ])('%s', (text, expected) => {
    expect(epochMs(text)).toBe(expected);
  });
});
