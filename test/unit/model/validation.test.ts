import { readdirSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parseModel } from '../../../shared/model/parse.ts';

const base = `
model: m
version: 1
name: m
groups: [{ id: g }]
bands: { levels: [{ id: cold }, { id: hot, min: 10 }] }
`;

function problems(yaml: string) {
  const result = parseModel(yaml);
  if (result.ok) throw new Error('expected the model to be rejected');
  return result.problems.map((p) => `${p.path}: ${p.message}`);
}

describe('shipped models', () => {
  it.each(readdirSync('models').filter((f) => f.endsWith('.yaml')))('%s is valid', (file) => {
    const result = parseModel(readFileSync(`models/${file}`, 'utf8'));
    expect(result.ok ? [] : result.problems).toEqual([]);
  });
});

describe('model validation names the path and the problem', () => {
  const cases: [string, string, string][] = [
    [
      'unknown field',
      'rules: [{ id: r, group: g, points: 1, when: { type: page_view }, pointz: 2 }]',
      'rules[0]: unknown field "pointz"',
    ],
    [
      'bad duration',
      'rules: [{ id: r, group: g, points: 1, when: { type: page_view }, limit: { times: 1, per: 3 days } }]',
      'rules[0].limit.per: "3 days" is not a duration',
    ],
    [
      'unknown group',
      'rules: [{ id: r, group: nope, points: 1, when: { type: page_view } }]',
      'rules[0].group: unknown group "nope"',
    ],
    [
      'duplicate rule',
      'rules: [{ id: r, group: g, points: 1, when: { type: a } }, { id: r, group: g, points: 1, when: { type: b } }]',
      'rules[1].id: duplicate rule id "r"',
    ],
    [
      'combination of an unknown rule',
      'rules: [{ id: r, group: g, points: 1, when: { type: a } }, { id: c, group: g, points: 1, all: [r, ghost], within: 1d }]',
      'rules[1].all[1]: unknown rule "ghost"',
    ],
    [
      'three decimals',
      'rules: [{ id: r, group: g, points: 1.125, when: { type: a } }]',
      'rules[0].points: must have at most two decimals',
    ],
    [
      'bad regex',
      'rules: [{ id: r, group: g, points: 1, when: { type: a, properties: { p: { regex: "(" } } } }]',
      'rules[0].when.properties.p.regex: is not a valid regular expression',
    ],
    [
      'empty predicate',
      'rules: [{ id: r, group: g, points: 1, when: { type: a, properties: { p: { ignoreCase: true } } } }]',
      'rules[0].when.properties.p: needs one of',
    ],
    [
      'both limit kinds',
      'rules: [{ id: r, group: g, points: 1, when: { type: a }, limit: { times: 1, points: 2, per: 1d } }]',
      'rules[0].limit: set exactly one of "times" or "points"',
    ],
    [
      'limit longer than horizon',
      'horizon: 7d\nrules: [{ id: r, group: g, points: 1, when: { type: a }, limit: { times: 1, per: 30d } }]',
      'rules[0].limit.per: must not be longer than the model\'s "horizon"',
    ],
    [
      'bad activity type',
      'rules: [{ id: r, group: g, points: 1, when: { type: Page-View } }]',
      'rules[0].when.type',
    ],
    ['not a rule', 'rules: [{ id: r, group: g, points: 1 }]', 'rules[0]: a rule needs "when"'],
    [
      'return window backwards',
      'rules: [{ id: r, group: g, points: 1, when: { type: a }, window: { returnAfter: 2d, within: 1d } }]',
      'rules[0].window.returnAfter: "returnAfter" must be shorter than "within"',
    ],
  ];
  it.each(cases)('%s', (_name, yaml, expected) => {
    expect(problems(`${base}\n${yaml}`).join('\n')).toContain(expected);
  });

  it('reports every problem in one pass', () => {
    const found = problems(
      `${base}\nrules: [{ id: r, group: nope, points: 1.111, when: { type: a } }, { id: r, group: g, points: 1, when: { type: b } }]`,
    );
    expect(found).toEqual(
      expect.arrayContaining([
        expect.stringContaining('rules[0].points'),
        expect.stringContaining('rules[0].group'),
        expect.stringContaining('rules[1].id'),
      ]),
    );
  });

  it('rejects bands out of order and a hysteresis wider than a band', () => {
    const yaml = `model: m\nversion: 1\nname: m\ngroups: [{ id: g }]\nrules: [{ id: r, group: g, points: 1, when: { type: a } }]\nbands: { hysteresis: 10, levels: [{ id: cold }, { id: warm, min: 20 }, { id: hot, min: 25 }, { id: x, min: 24 }] }`;
    const found = problems(yaml).join('\n');
    expect(found).toContain('bands.levels[3].min: must be above');
    expect(found).toContain('bands.hysteresis: must be smaller than the gap');
  });

  it('rejects text that is not YAML', () => {
    expect(problems('model: [unclosed')[0]).toMatch(/^: not valid YAML or JSON/);
  });
});

describe('predictive models', () => {
  const rule = 'rules: [{ id: r, group: g, points: 12.5, when: { type: page_view } }]';
  it('need a link, fit terms in the logit, and no score bounds', () => {
    expect(problems(`${base}kind: predictive\n${rule}\nscore: { cap: 50 }`)).toEqual([
      'link: a predictive model needs "link" (its intercept)',
      'fit.addToScore: must be true in a predictive model (fit terms are part of the logit)',
      "score: a predictive model's score is a probability: no cap or floor",
    ]);
  });

  it('a rule model has no link', () => {
    expect(problems(`${base}${rule}\nlink: { intercept: -2 }`)).toEqual([
      'link: only a predictive model has a "link"',
    ]);
  });

  it('a complete one is valid', () => {
    const result = parseModel(
      `${base}kind: predictive\nlink: { intercept: -2.5 }\nfit: { addToScore: true, grades: [{ grade: A }] }\n${rule}`,
    );
    expect(result.ok ? [] : result.problems).toEqual([]);
  });
});
