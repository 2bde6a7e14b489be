import { describe, expect, it } from 'vitest';
import { activity, DAY, HOUR, MIN, makeModel, scoreAt, T0 } from '../../helpers/engine.ts';

// Each case's expected points are worked out by hand in its comment.

describe('predicates on activity properties', () => {
  const cases: [string, unknown, Record<string, string | number> | undefined, boolean][] = [
    ['bare value is equals', '/pricing', { path: '/pricing' }, true],
    ['equals is exact by default', { equals: '/Pricing' }, { path: '/pricing' }, false],
    ['equals with ignoreCase', { equals: '/Pricing', ignoreCase: true }, { path: '/pricing' }, true],
    ['equals compares text forms of numbers', 50, { path: '50' }, true],
    ['oneOf', { oneOf: ['/a', '/b'] }, { path: '/b' }, true],
    ['oneOf miss', { oneOf: ['/a', '/b'] }, { path: '/c' }, false],
    ['prefix', { prefix: '/pricing' }, { path: '/pricing/enterprise' }, true],
    ['prefix miss', { prefix: '/pricing' }, { path: '/docs/pricing' }, false],
    ['glob star spans slashes', { glob: '/docs/*' }, { path: '/docs/api/auth' }, true],
    ['glob is anchored', { glob: '/docs/*' }, { path: '/v2/docs/api' }, false],
    ['glob question mark is one character', { glob: '/v?/docs' }, { path: '/v2/docs' }, true],
    ['glob dot is literal', { glob: '*.pdf' }, { path: 'report-pdf' }, false],
    ['regex is unanchored', { regex: 'pric(e|ing)' }, { path: '/en/pricing' }, true],
    ['regex with ignoreCase', { regex: '^/PRICING', ignoreCase: true }, { path: '/pricing' }, true],
    ['gte boundary', { gte: 50 }, { path: 50 }, true],
    ['gt boundary', { gt: 50 }, { path: 50 }, false],
    ['lt and gte combine (range)', { gte: 10, lt: 20 }, { path: 19.5 }, true],
    ['range upper bound is exclusive', { gte: 10, lt: 20 }, { path: 20 }, false],
    ['numeric string compares as number', { lte: 9 }, { path: '9' }, true],
    ['non-numeric string never compares', { lt: 100 }, { path: 'abc' }, false],
    ['exists', { exists: true }, { path: 'x' }, true],
    ['exists: empty string is absent', { exists: true }, { path: '' }, false],
    ['exists false on missing', { exists: false }, {}, true],
    ['missing value fails any other predicate', { lt: 100 }, undefined, false],
  ];
  it.each(cases)('%s', (_name, predicate, properties, expected) => {
    // Prepare: a rule worth 1 point that matches only when the predicate holds.
    const model = makeModel({
      rules: [
        {
          id: 'r',
          group: 'g',
          points: 1,
          when: { type: 'page_view', properties: { path: predicate as never } },
        },
      ],
    });
    // Act
    const score = scoreAt(model, [activity('page_view', T0, properties)], T0 + MIN);
    // Assess
    expect(score.score).toBe(expected ? 1 : 0);
  });

  it('reads one level of nesting with a dot path', () => {
    const model = makeModel({
      rules: [
        {
          id: 'r',
          group: 'g',
          points: 2,
          when: { type: 'page_view', properties: { 'utm.source': 'linkedin' } },
        },
      ],
    });
    const hit = { ...activity('page_view', T0), properties: { utm: { source: 'linkedin' } } };
    expect(scoreAt(model, [hit], T0 + MIN).score).toBe(2);
  });

  it('matches any of several types', () => {
    const model = makeModel({
      rules: [{ id: 'r', group: 'g', points: 3, when: { type: ['download', 'video_watched'] } }],
    });
    const events = [
      activity('download', T0),
      activity('video_watched', T0 + MIN),
      activity('page_view', T0 + 2 * MIN),
    ];
    expect(scoreAt(model, events, T0 + HOUR).score).toBe(6); // 2 matches x 3
  });
});

describe('frequency limits', () => {
  it('counts at most `times` per epoch-aligned bucket; the earliest fill it', () => {
    const model = makeModel({
      rules: [
        { id: 'pv', group: 'g', points: 1, when: { type: 'page_view' }, limit: { times: 5, per: '1d' } },
      ],
    });
    // Day 1: 7 views -> 5; day 2: 3 views -> 3. Total 8.
    const events = [
      ...Array.from({ length: 7 }, (_, i) => activity('page_view', T0 + i * MIN)),
      ...Array.from({ length: 3 }, (_, i) => activity('page_view', T0 + DAY + i * MIN)),
    ];
    expect(scoreAt(model, events, T0 + 2 * DAY).score).toBe(8);
  });

  it('puts 23:59 and 00:01 UTC in different daily buckets', () => {
    const model = makeModel({
      rules: [
        { id: 'pv', group: 'g', points: 1, when: { type: 'page_view' }, limit: { times: 1, per: '1d' } },
      ],
    });
    const events = [activity('page_view', T0 + DAY - MIN), activity('page_view', T0 + DAY + MIN)];
    expect(scoreAt(model, events, T0 + 2 * DAY).score).toBe(2);
  });

  it('caps points per bucket, the last firing counting in part', () => {
    const model = makeModel({
      rules: [
        { id: 'dl', group: 'g', points: 8, when: { type: 'download' }, limit: { points: 20, per: '30d' } },
      ],
    });
    // 8 + 8 + 4 (20 reached) + 0
    const events = Array.from({ length: 4 }, (_, i) => activity('download', T0 + i * HOUR));
    const score = scoreAt(model, events, T0 + DAY);
    expect(score.score).toBe(20);
    expect(score.contributions[0]).toMatchObject({ rule: 'dl', points: 20, count: 3 });
  });

  it('counts each value of the `by` property separately', () => {
    const model = makeModel({
      rules: [
        {
          id: 'open',
          group: 'g',
          points: 1,
          when: { type: 'email_open' },
          limit: { times: 1, per: '90d', by: 'emailId' },
        },
      ],
    });
    // nl-1 three times, nl-2 twice, one open without emailId: 1 + 1 + 1
    const events = [
      activity('email_open', T0, { emailId: 'nl-1' }),
      activity('email_open', T0 + MIN, { emailId: 'nl-1' }),
      activity('email_open', T0 + 2 * MIN, { emailId: 'nl-1' }),
      activity('email_open', T0 + 3 * MIN, { emailId: 'nl-2' }),
      activity('email_open', T0 + 4 * MIN, { emailId: 'nl-2' }),
      activity('email_open', T0 + 5 * MIN),
    ];
    expect(scoreAt(model, events, T0 + DAY).score).toBe(3);
  });

  it('lets a late, earlier event take a slot from a later one', () => {
    const model = makeModel({
      decay: { kind: 'halfLife', halfLife: '1d' },
      rules: [
        { id: 'pv', group: 'g', points: 4, when: { type: 'page_view' }, limit: { times: 1, per: '1w' } },
      ],
    });
    // Weekly buckets start on Thursdays (the epoch's weekday), so Monday T0 and Tuesday T0+1d share one.
    const late = activity('page_view', T0 + DAY);
    const early = activity('page_view', T0);
    // The earliest in the bucket counts, whatever the arrival order: 4 * 0.5^(2d/1d) = 1 at T0+2d.
    expect(scoreAt(model, [late, early], T0 + 2 * DAY).score).toBe(1);
    expect(scoreAt(model, [early, late], T0 + 2 * DAY).score).toBe(1);
  });
});

describe('time windows', () => {
  const burst = makeModel({
    rules: [
      { id: 'burst', group: 'g', points: 5, when: { type: 'page_view' }, window: { count: 3, within: '1h' } },
    ],
  });
  const cases: [string, number[], number][] = [
    // Fires at each view with >= 3 views in (t - 1h, t].
    ['three inside an hour fire once', [0, 20, 40], 5],
    ['a fourth inside fires again', [0, 20, 40, 50], 10],
    ['the window excludes its start: 0, 30, 60 never has 3', [0, 30, 60], 0],
    ['spread out never fires', [0, 61, 122], 0],
  ];
  it.each(cases)('count window: %s', (_name, minutes, expected) => {
    const events = minutes.map((m) => activity('page_view', T0 + m * MIN));
    expect(scoreAt(burst, events, T0 + DAY).score).toBe(expected);
  });

  it('return window fires for a visit between returnAfter and within after an earlier one', () => {
    const model = makeModel({
      rules: [
        {
          id: 'returned',
          group: 'g',
          points: 4,
          when: { type: 'page_view' },
          window: { returnAfter: '12h', within: '7d' },
        },
      ],
    });
    // t=0: first visit. 1h: too soon. 3d: returned (0 is 3d back). 11d: previous visit 3d is 8d back: no.
    // 11d+13h: returned (11d is 13h back).
    const events = [0, HOUR, 3 * DAY, 11 * DAY, 11 * DAY + 13 * HOUR].map((t) =>
      activity('page_view', T0 + t),
    );
    expect(scoreAt(model, events, T0 + 20 * DAY).score).toBe(8);
  });

  it('a combination fires when all its rules matched within its window', () => {
    const model = makeModel({
      rules: [
        {
          id: 'pricing',
          group: 'g',
          points: 0,
          when: { type: 'page_view', properties: { path: '/pricing' } },
        },
        { id: 'demo', group: 'g', points: 0, when: { type: 'form_submit', properties: { form: 'demo' } } },
        {
          id: 'both',
          group: 'g',
          points: 10,
          all: ['pricing', 'demo'],
          within: '7d',
          limit: { times: 1, per: '30d' },
        },
      ],
    });
    const pricing = activity('page_view', T0, { path: '/pricing' });
    expect(
      scoreAt(model, [pricing, activity('form_submit', T0 + 2 * DAY, { form: 'demo' })], T0 + 3 * DAY).score,
    ).toBe(10);
    expect(
      scoreAt(model, [pricing, activity('form_submit', T0 + 8 * DAY, { form: 'demo' })], T0 + 9 * DAY).score,
    ).toBe(0);
  });
});

describe('groups, caps and disqualifiers', () => {
  const model = makeModel({
    groups: [{ id: 'web', cap: 10 }, { id: 'neg', floor: -15 }, { id: 'free' }],
    score: { cap: 25, floor: -5 },
    rules: [
      { id: 'pv', group: 'web', points: 4, when: { type: 'page_view' } },
      { id: 'unsub', group: 'neg', points: -10, when: { type: 'email_unsubscribe' } },
      { id: 'apply', group: 'neg', points: -1, when: { type: 'form_submit' }, disqualify: true },
      { id: 'webinar', group: 'free', points: 12, when: { type: 'webinar_attended' } },
    ],
  });

  it('caps a group', () => {
    // 4 views = 16, capped at 10
    const events = Array.from({ length: 4 }, (_, i) => activity('page_view', T0 + i * MIN));
    expect(scoreAt(model, events, T0 + HOUR).groups.web).toBe(10);
  });

  it('floors a group', () => {
    // -10 * 2 = -20, floored at -15; total -15 floored at -5 by the score floor
    const events = [activity('email_unsubscribe', T0), activity('email_unsubscribe', T0 + MIN)];
    const score = scoreAt(model, events, T0 + HOUR);
    expect(score.groups.neg).toBe(-15);
    expect(score.score).toBe(-5);
  });

  it('caps the total', () => {
    // web 10 + free 24 = 34, capped at 25
    const events = [
      ...Array.from({ length: 3 }, (_, i) => activity('page_view', T0 + i * MIN)),
      activity('webinar_attended', T0),
      activity('webinar_attended', T0 + DAY),
    ];
    const score = scoreAt(model, events, T0 + 2 * DAY);
    expect(score.behaviour).toBe(34);
    expect(score.score).toBe(25);
    expect(score.band).toBe('hot');
  });

  it('a disqualifier puts the lead in the lowest band, whatever its score', () => {
    const events = [
      activity('webinar_attended', T0),
      activity('webinar_attended', T0 + MIN),
      activity('form_submit', T0),
    ];
    const score = scoreAt(model, events, T0 + HOUR);
    expect(score.score).toBe(23); // 24 - 1
    expect(score.band).toBe('cold');
    expect(score.flags).toEqual(['disqualified']);
  });
});

describe('inactivity, horizon, bots and flags', () => {
  const model = makeModel({
    horizon: '90d',
    groups: [{ id: 'g' }, { id: 'neg' }],
    rules: [
      { id: 'pv', group: 'g', points: 10, when: { type: 'page_view' } },
      {
        id: 'demo',
        group: 'g',
        points: 30,
        when: { type: 'meeting_booked' },
        flag: 'high-intent',
        flagFor: '3d',
      },
      { id: 'quiet', group: 'neg', points: -5, inactiveFor: '30d', repeat: true },
    ],
  });
  const cases: [string, number, number][] = [
    // A view at T0 (10 points), scored after `age`: inactivity -5 per full 30 days; nothing at or past 90d.
    ['29 days quiet: no penalty', 29 * DAY, 10],
    ['30 days quiet: -5', 30 * DAY, 5],
    ['65 days quiet: two periods, -10', 65 * DAY, 0],
    ['one ms before the horizon the view still counts: 10 - 2 * 5', 90 * DAY - 1, 0],
    ['at the horizon it counts nothing: 0 - 3 * 5', 90 * DAY, -15],
  ];
  it.each(cases)('%s', (_name, age, expected) => {
    expect(scoreAt(model, [activity('page_view', T0)], T0 + age).score).toBe(expected);
  });

  it('scores nothing for bots unless the model says so', () => {
    const bot = { ...activity('page_view', T0), bot: true };
    expect(scoreAt(model, [bot], T0 + MIN).score).toBe(0);
    const botsCount = makeModel({
      scoreBots: true,
      rules: [{ id: 'pv', group: 'g', points: 10, when: { type: 'page_view' } }],
    });
    expect(scoreAt(botsCount, [bot], T0 + MIN).score).toBe(10);
  });

  it('raises a flag while its rule fired within flagFor', () => {
    const events = [activity('meeting_booked', T0)];
    expect(scoreAt(model, events, T0 + 3 * DAY - 1).flags).toEqual(['high-intent']);
    expect(scoreAt(model, events, T0 + 3 * DAY).flags).toEqual([]);
  });

  it('ignores activities later than `now`', () => {
    expect(scoreAt(model, [activity('page_view', T0 + HOUR)], T0).score).toBe(0);
  });

  it('counts a repeated eventId once, and the result does not depend on arrival order', () => {
    const a = activity('page_view', T0);
    const b = activity('meeting_booked', T0 + HOUR);
    const one = scoreAt(model, [a, b, a, b], T0 + DAY);
    const two = scoreAt(model, [b, a], T0 + DAY);
    expect(one).toEqual(two);
    expect(one.score).toBe(40);
  });
});

describe('decay', () => {
  const rule = { id: 'dl', group: 'g', points: 8, when: { type: 'download' } };
  const cases: [string, Record<string, unknown>, number, number][] = [
    // 8 points at T0, scored after `age`.
    ['none', { kind: 'none' }, 100 * DAY, 8],
    ['half-life: one half-life halves', { kind: 'halfLife', halfLife: '10d' }, 10 * DAY, 4],
    ['half-life: two halve twice', { kind: 'halfLife', halfLife: '10d' }, 20 * DAY, 2],
    ['half-life: 8 * 0.5^(1/3) = 6.3496 -> 6.35', { kind: 'halfLife', halfLife: '3d' }, DAY, 6.35],
    ['linear: before the first step, whole', { kind: 'linear', every: '7d', percent: 25 }, 7 * DAY - 1, 8],
    ['linear: one step takes 25 %', { kind: 'linear', every: '7d', percent: 25 }, 7 * DAY, 6],
    ['linear: three steps leave 25 %', { kind: 'linear', every: '7d', percent: 25 }, 27 * DAY, 2],
    ['linear: four steps leave nothing', { kind: 'linear', every: '7d', percent: 25 }, 28 * DAY, 0],
  ];
  it.each(cases)('%s', (_name, decay, age, expected) => {
    const model = makeModel({ decay: decay as never, rules: [rule] });
    expect(scoreAt(model, [activity('download', T0)], T0 + age).score).toBe(expected);
  });

  it('decays each firing from its own time', () => {
    // 8 * 0.5 + 8 * 1 = 12 at T0 + 10d with a 10-day half-life
    const model = makeModel({ decay: { kind: 'halfLife', halfLife: '10d' }, rules: [rule] });
    expect(
      scoreAt(model, [activity('download', T0), activity('download', T0 + 10 * DAY)], T0 + 10 * DAY).score,
    ).toBe(12);
  });

  it('leaves rules with `decay: none` whole', () => {
    const model = makeModel({
      decay: { kind: 'halfLife', halfLife: '1d' },
      rules: [{ ...rule, decay: 'none' }],
    });
    expect(scoreAt(model, [activity('download', T0)], T0 + 30 * DAY).score).toBe(8);
  });
});

describe('fit and grades', () => {
  const model = makeModel({
    rules: [{ id: 'pv', group: 'g', points: 1, when: { type: 'page_view' } }],
    fit: {
      addToScore: true,
      cap: 40,
      rules: [
        { id: 'vp', attribute: 'title', match: { regex: '\\bvp\\b', ignoreCase: true }, points: 20 },
        { id: 'size', attribute: 'employees', match: { gte: 50, lt: 5000 }, points: 15 },
        { id: 'saas', attribute: 'industry', match: { equals: 'saas', ignoreCase: true }, points: 10 },
        { id: 'rival', attribute: 'emailDomain', match: 'rival.io', points: -50, disqualify: true },
      ],
      grades: [{ grade: 'A', min: 30 }, { grade: 'B', min: 15 }, { grade: 'C' }],
    },
  });
  const cases: [string, Record<string, unknown>, number, string][] = [
    ['vp + size + saas = 45, capped at 40', { title: 'VP Sales', employees: 200, industry: 'SaaS' }, 40, 'A'],
    ['vp + saas = 30 is exactly A', { title: 'VP Sales', industry: 'saas' }, 30, 'A'],
    ['size + saas = 25 is B', { employees: 49 + 1, industry: 'SaaS' }, 25, 'B'],
    ['size alone = 15 is exactly B', { employees: 4999 }, 15, 'B'],
    ['nothing matches: C', { employees: 5000 }, 0, 'C'],
  ];
  it.each(cases)('%s', (_name, attributes, fit, grade) => {
    const score = scoreAt(model, [activity('page_view', T0)], T0 + MIN, attributes as never);
    expect(score.fit).toBe(fit);
    expect(score.grade).toBe(grade);
    expect(score.score).toBe(fit + 1);
  });

  it('a competitor is disqualified and graded down', () => {
    const score = scoreAt(model, [], T0, { emailDomain: 'rival.io', title: 'VP' } as never);
    expect(score.fit).toBe(-30);
    expect(score.flags).toContain('disqualified');
    expect(score.combined).toBe('C3');
  });
});
