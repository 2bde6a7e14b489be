import { describe, expect, it } from 'vitest';
import { isHeldOut, splitFor, splitHash, splitOf, splitRecord } from '../../../shared/evaluation/split.ts';

const leads = Array.from({ length: 997 }, (_, i) => ({ leadId: `lead-${i}`, converted: i % 9 === 0 }));
const hashesOf = (seed: number) => ({
  converted: Uint32Array.from(leads.filter((l) => l.converted).map((l) => splitHash(seed, l.leadId))),
  lost: Uint32Array.from(leads.filter((l) => !l.converted).map((l) => splitHash(seed, l.leadId))),
});

describe('the seeded, stratified split', () => {
  it('holds out the same share of each outcome, and the model record gives back the same split', () => {
    const split = splitFor(3, hashesOf(3), 0.25);
    const held = leads.filter((l) => isHeldOut(split, l.leadId, l.converted));
    const converted = leads.filter((l) => l.converted).length;
    expect(held.filter((l) => l.converted)).toHaveLength(Math.round(0.25 * converted));
    expect(held.filter((l) => !l.converted)).toHaveLength(Math.round(0.25 * (leads.length - converted)));
    expect(splitOf(splitRecord(split))).toEqual(split);
  });

  it('cuts k folds that hold out each lead exactly once, each stratified', () => {
    const k = 5;
    const splits = Array.from({ length: k }, (_, fold) => splitFor(8, hashesOf(8), 1 / k, fold));
    for (const lead of leads)
      expect(
        splits.filter((s) => isHeldOut(s, lead.leadId, lead.converted)),
        lead.leadId,
      ).toHaveLength(1);
    for (const split of splits) {
      const held = leads.filter((l) => l.converted && isHeldOut(split, l.leadId, true)).length;
      expect(Math.abs(held - leads.filter((l) => l.converted).length / k)).toBeLessThanOrEqual(1);
      expect(splitOf(splitRecord(split))).toEqual(split);
    }
  });
});
