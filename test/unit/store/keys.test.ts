import { describe, expect, it } from 'vitest';
import { keys } from '../../../shared/store/keys.ts';

describe("a lead's scoring context range", () => {
  const range = keys.scoringContext('ana');
  const inside = (sk: string) => sk >= range.from && sk <= range.to;

  it('holds its profile and every score, whatever the model id', () => {
    for (const key of [keys.profile('ana'), keys.score('ana', 'default'), keys.score('ana', 'zz-model.v2')]) {
      expect(key.pk).toBe(range.pk);
      expect(inside(key.sk), key.sk).toBe(true);
    }
  });

  it('holds nothing else kept under the lead: aliases, history, outcomes', () => {
    for (const key of [
      keys.aliasOf('ana', { kind: 'anonymous', id: 'v1' }),
      keys.aliasOf('ana', { kind: 'lead', id: 'zed' }),
      keys.history('ana', '2026-11-30T09:00:00.000Z', 'default', 7),
      keys.outcome('ana', 'deal-1'),
    ]) {
      expect(key.pk).toBe(range.pk);
      expect(inside(key.sk), key.sk).toBe(false);
    }
  });
});
