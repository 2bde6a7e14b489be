import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  calibration,
  deciles,
  ratesBy,
  rocAuc,
  rocCurve,
  thresholds,
} from '../../../shared/evaluation/metrics.ts';

// Six leads, worked by hand. Converted: 0.9, 0.7, 0.6; lost: 0.8, 0.6, 0.1.
const six = [
  { score: 0.9, converted: true },
  { score: 0.8, converted: false },
  { score: 0.7, converted: true },
  { score: 0.6, converted: false },
  { score: 0.6, converted: true },
  { score: 0.1, converted: false },
];

describe('evaluation metrics, against a hand-computed example', () => {
  it('AUC counts each converted-over-lost pair, ties as half', () => {
    // 0.9 beats all three lost (3); 0.7 beats 0.6 and 0.1 (2); 0.6 ties 0.6 and beats 0.1 (1.5): 6.5 of 9 pairs.
    expect(rocAuc(six)).toBeCloseTo(6.5 / 9, 12);
    expect(rocAuc(six.map((l) => ({ ...l, score: 1 })))).toBe(0.5);
    expect(rocAuc(six.filter((l) => l.converted))).toBeUndefined();
  });

  it('the ROC curve steps through each distinct score, tied scores together', () => {
    expect(rocCurve(six)).toEqual([
      { fpr: 0, tpr: 0 },
      { fpr: 0, tpr: 1 / 3 },
      { fpr: 1 / 3, tpr: 1 / 3 },
      { fpr: 1 / 3, tpr: 2 / 3 },
      { fpr: 2 / 3, tpr: 1 },
      { fpr: 1, tpr: 1 },
    ]);
  });

  it('deciles are ten equal groups from the top, with lift against the overall rate', () => {
    // 20 leads scored 20..1; the top 4 converted, and one more at score 5. Overall 5/20 = 25 %.
    const leads = Array.from({ length: 20 }, (_, i) => ({ score: 20 - i, converted: i < 4 || i === 15 }));
    const d = deciles(leads);
    expect(d).toHaveLength(10);
    expect(d[0]).toEqual({
      decile: 1,
      leads: 2,
      converted: 2,
      conversionRate: 1,
      lift: 4,
      minScore: 19,
      maxScore: 20,
    });
    expect(d[1]).toMatchObject({ decile: 2, converted: 2, lift: 4 });
    expect(d[2]).toMatchObject({ decile: 3, converted: 0, lift: 0 });
    expect(d[7]).toMatchObject({
      decile: 8,
      converted: 1,
      conversionRate: 0.5,
      lift: 2,
      minScore: 5,
      maxScore: 6,
    });
    // 23 leads: the first three deciles take one more.
    expect(
      deciles(Array.from({ length: 23 }, (_, i) => ({ score: i, converted: false }))).map((x) => x.leads),
    ).toEqual([3, 3, 3, 2, 2, 2, 2, 2, 2, 2]);
  });

  it('deciles split a group of tied scores proportionally across a cut', () => {
    // 10 leads: 8 tied at 5 (2 of them converted), then 2 below. Decile 1 is one of the eight tied leads.
    const leads = [
      ...Array.from({ length: 8 }, (_, i) => ({ score: 5, converted: i < 2 })),
      { score: 1, converted: true },
      { score: 0, converted: false },
    ];
    const d = deciles(leads);
    expect(d.slice(0, 8).map((x) => x.converted)).toEqual(Array(8).fill(0.25));
    expect(d[0]).toMatchObject({
      leads: 1,
      conversionRate: 0.25,
      lift: 0.25 / 0.3,
      minScore: 5,
      maxScore: 5,
    });
    expect(d[8]).toMatchObject({ converted: 1, minScore: 1 });
  });

  it('deciles and lift are the same however the leads are ordered', () => {
    // Few distinct scores, so groups of ties straddle the cuts often.
    const lead = fc.record({ score: fc.integer({ min: 0, max: 5 }), converted: fc.boolean() });
    fc.assert(
      fc.property(
        fc.array(lead, { minLength: 1, maxLength: 200 }),
        fc.infiniteStream(fc.nat()),
        (leads, picks) => {
          const shuffled = [...leads];
          for (let i = shuffled.length - 1; i > 0; i--) {
            const j = picks.next().value % (i + 1);
            [shuffled[i], shuffled[j]] = [shuffled[j]!, shuffled[i]!];
          }
          const expected = deciles(leads);
          expect(deciles(shuffled)).toEqual(expected);
          expect(expected.reduce((s, x) => s + x.converted, 0)).toBeCloseTo(
            leads.filter((l) => l.converted).length,
            6,
          );
        },
      ),
      { seed: 11, numRuns: 300 },
    );
  });

  it('precision and recall of calling every lead at or above a threshold', () => {
    expect(thresholds(six, [0.65, 0.6, 0.95])).toEqual([
      { threshold: 0.65, selected: 3, precision: 2 / 3, recall: 2 / 3 },
      { threshold: 0.6, selected: 5, precision: 3 / 5, recall: 1 },
      { threshold: 0.95, selected: 0, precision: undefined, recall: 0 },
    ]);
  });

  it('calibration bins predictions and scores them with Brier', () => {
    const result = calibration([
      { probability: 0.05, converted: false },
      { probability: 0.15, converted: true },
      { probability: 0.12, converted: false },
      { probability: 1, converted: true },
    ]);
    expect(result.bins).toEqual([
      { from: 0, to: 0.1, leads: 1, meanPredicted: 0.05, observedRate: 0 },
      { from: 0.1, to: 0.2, leads: 2, meanPredicted: expect.closeTo(0.135, 12), observedRate: 0.5 },
      { from: 0.9, to: 1, leads: 1, meanPredicted: 1, observedRate: 1 },
    ]);
    // (0.05² + 0.85² + 0.12² + 0²) / 4
    expect(result.brier).toBeCloseTo((0.0025 + 0.7225 + 0.0144) / 4, 12);
  });

  it('conversion rate per group, in the order asked, empty groups included', () => {
    const rates = ratesBy(
      [
        { group: 'hot', converted: true },
        { group: 'hot', converted: false },
        { group: 'cold', converted: false },
      ],
      ['mql', 'hot', 'cold'],
    );
    expect(rates).toEqual([
      { group: 'mql', leads: 0, converted: 0, conversionRate: 0 },
      { group: 'hot', leads: 2, converted: 1, conversionRate: 0.5 },
      { group: 'cold', leads: 1, converted: 0, conversionRate: 0 },
    ]);
  });
});
