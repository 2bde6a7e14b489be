import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { ScorableActivity } from '../../../shared/domain/activity.ts';
import { recomputeLead, round2, topOfBreakdown } from '../../../shared/engine/index.ts';
import { compileModel } from '../../../shared/model/compile.ts';
import { validateModel } from '../../../shared/model/parse.ts';
import { DAY, HOUR, makeModel, scoreAt, T0 } from '../../helpers/engine.ts';

const TYPES = ['page_view', 'download', 'email_open'] as const;
const sum = (lines: { points: number }[]) => round2(lines.reduce((s, l) => s + l.points, 0));

/** Random models with everything that bends a sum: group caps and floors, fit bounds, total bounds, decay, a base, a link. */
const modelArb = fc
  .record({
    decay: fc.oneof(
      fc.constant({ kind: 'none' }),
      fc.record({ kind: fc.constant('halfLife'), halfLife: fc.constantFrom('1d', '10d') }),
      fc.record({
        kind: fc.constant('linear'),
        every: fc.constantFrom('1d', '7d'),
        percent: fc.constantFrom(10, 50),
      }),
    ),
    groups: fc.array(
      fc.record({
        cap: fc.option(fc.integer({ min: 0, max: 40 }), { nil: undefined }),
        floor: fc.option(fc.integer({ min: -40, max: 0 }), { nil: undefined }),
      }),
      { minLength: 1, maxLength: 3 },
    ),
    rules: fc.array(
      fc.record({
        type: fc.constantFrom(...TYPES),
        points: fc.oneof(fc.integer({ min: -15, max: 30 }), fc.constantFrom(0.25, 1.5, 7.33)),
        group: fc.nat(),
        decayNone: fc.boolean(),
        limit: fc.option(fc.integer({ min: 1, max: 3 }), { nil: undefined }),
      }),
      { minLength: 1, maxLength: 6 },
    ),
    inactivity: fc.boolean(),
    fit: fc.array(
      fc.record({ country: fc.constantFrom('US', 'FR', 'DE'), points: fc.integer({ min: -20, max: 30 }) }),
      {
        maxLength: 3,
      },
    ),
    fitBounds: fc.record({
      addToScore: fc.boolean(),
      cap: fc.option(fc.integer({ min: 0, max: 20 }), { nil: undefined }),
      floor: fc.option(fc.integer({ min: -20, max: 0 }), { nil: undefined }),
    }),
    score: fc.record({
      cap: fc.option(fc.integer({ min: 10, max: 80 }), { nil: undefined }),
      floor: fc.option(fc.integer({ min: -10, max: 5 }), { nil: undefined }),
      base: fc.option(fc.constantFrom(-12.5, 0, 40, 68.6), { nil: undefined }),
    }),
    predictive: fc.integer({ min: 0, max: 4 }).map((n) => n === 0),
  })
  .map((m) => {
    const groups = m.groups.map((g, i) => ({
      id: `g${i}`,
      ...g,
      ...(g.cap !== undefined && g.floor !== undefined && g.floor > g.cap ? { floor: undefined } : {}),
    }));
    const rules: Record<string, unknown>[] = m.rules.map((r, i) => ({
      id: `r${i}`,
      group: groups[r.group % groups.length]!.id,
      points: r.points,
      when: { type: r.type },
      ...(r.limit && { limit: { times: r.limit, per: '1d' } }),
      ...(r.decayNone && { decay: 'none' }),
    }));
    if (m.inactivity) rules.push({ id: 'quiet', group: 'g0', points: -4, inactiveFor: '2d', repeat: true });
    const result = validateModel({
      model: 'random',
      version: 1,
      name: 'random',
      horizon: '30d',
      decay: m.decay,
      groups,
      rules,
      ...(m.predictive
        ? {
            kind: 'predictive',
            link: { intercept: -2 },
            score: m.score.base === undefined ? {} : { base: m.score.base },
          }
        : {
            score: {
              ...m.score,
              ...(m.score.floor !== undefined &&
                m.score.cap !== undefined && { floor: Math.min(m.score.floor, m.score.cap) }),
            },
          }),
      fit: {
        ...m.fitBounds,
        ...(m.predictive && { addToScore: true, cap: undefined, floor: undefined }),
        rules: m.fit.map((f, i) => ({
          id: `f${i}`,
          attribute: 'country',
          match: f.country,
          points: f.points,
        })),
        grades: [{ grade: 'A' }],
      },
      bands: { levels: [{ id: 'cold' }, { id: 'warm', min: 5 }, { id: 'hot', min: 15 }] },
    });
    if (!result.ok) throw new Error(`generator made an invalid model: ${JSON.stringify(result.problems)}`);
    return compileModel(result.model);
  });

const leadArb = fc.record({
  activities: fc.array(
    fc.record({ type: fc.constantFrom(...TYPES), hour: fc.integer({ min: 0, max: 24 * 20 }) }),
    { maxLength: 40 },
  ),
  country: fc.constantFrom('US', 'FR', 'DE', undefined),
  nowHours: fc.integer({ min: 0, max: 24 * 30 }),
});

describe('the breakdown', () => {
  it('adds up to the score, for random models and leads; so does the short one notifications carry', () => {
    fc.assert(
      fc.property(modelArb, leadArb, (model, lead) => {
        const activities: ScorableActivity[] = lead.activities.map((a, i) => ({
          eventId: `e${i}`,
          type: a.type,
          occurredAt: new Date(T0 + a.hour * HOUR).toISOString(),
        }));
        const now = T0 + (20 * 24 + lead.nowHours) * HOUR;
        const attributes = lead.country ? { country: lead.country } : undefined;
        const { score } = recomputeLead(model, activities, attributes, now);
        expect(sum(score.breakdown)).toBeCloseTo(score.score, 9);
        expect(sum(topOfBreakdown(score.breakdown, 2))).toBeCloseTo(score.score, 9);
        for (const line of score.breakdown) expect(line.label).not.toBe('');
      }),
      { seed: 5, numRuns: 500 },
    );
  });

  it('shows a group cap as its own line: "activity 75, capped at 40: -35"', () => {
    const model = makeModel({
      groups: [{ id: 'activity', cap: 40 }],
      rules: [{ id: 'visit', group: 'activity', points: 15, when: { type: 'page_view' } }],
      score: { base: 10 },
    });
    const views = Array.from({ length: 5 }, (_, i) => ({
      eventId: `v${i}`,
      type: 'page_view',
      occurredAt: new Date(T0 + i * HOUR).toISOString(),
    }));
    const score = scoreAt(model, views, T0 + DAY);
    expect(score.score).toBe(50);
    expect(score.breakdown).toEqual([
      { kind: 'base', label: 'base', points: 10 },
      {
        kind: 'rule',
        label: 'visit x5',
        points: 75,
        rule: 'visit',
        ruleKind: 'behaviour',
        count: 5,
        group: 'activity',
      },
      { kind: 'group-cap', label: 'activity 75, capped at 40', points: -35, group: 'activity' },
    ]);
  });
});
