import { describe, expect, it } from 'vitest';
import { instant, outcomeIdOf } from '../../../shared/domain/outcome.ts';

describe('outcome ids without an outcomeId', () => {
  const won = { leadId: 'lead-1', outcome: 'won', occurredAt: '2026-11-20T10:00:00Z', value: 100 };

  it('are the same for the same instant however it is spelled', () => {
    const spellings = ['2026-11-20T10:00:00Z', '2026-11-20T10:00:00.000Z', '2026-11-20T11:00:00+01:00'];
    expect(new Set(spellings.map((occurredAt) => outcomeIdOf({ ...won, occurredAt })))).toEqual(
      new Set([outcomeIdOf(won)]),
    );
    expect(new Set(spellings.map(instant))).toEqual(new Set(['2026-11-20T10:00:00.000Z']));
  });

  it.each([
    ['another lead', { leadId: 'lead-2' }],
    ['another result', { outcome: 'lost' }],
    ['another instant', { occurredAt: '2026-11-20T10:00:01Z' }],
    ['another value', { value: 101 }],
    ['no time', { occurredAt: undefined }],
  ])('differ for %s', (_name, change) => {
    expect(outcomeIdOf({ ...won, ...change })).not.toBe(outcomeIdOf(won));
  });

  it('come from the bus event id when there is one, whatever the content', () => {
    expect(outcomeIdOf(won, 'evt-1')).toBe(outcomeIdOf({ ...won, outcome: 'lost' }, 'evt-1'));
    expect(outcomeIdOf(won, 'evt-1')).not.toBe(outcomeIdOf(won, 'evt-2'));
    expect(outcomeIdOf(won, 'evt-1')).toMatch(/^[A-Za-z0-9][A-Za-z0-9._:@+-]{0,127}$/);
  });
});
