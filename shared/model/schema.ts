import * as z from 'zod';
import { ActivityType } from '../domain/activity.ts';
import { Duration } from '../domain/duration.ts';

/** Rule, group, band, model and flag ids: short, lower case, safe in keys, URLs and SNS attributes. */
const Id = z
  .string()
  .regex(/^[a-z][a-z0-9-]{0,62}$/, 'must be lower case letters, digits and -, starting with a letter');
/** Dot path into an activity's properties or a profile's attributes, e.g. "path" or "utm.source". */
const PropertyPath = z
  .string()
  .regex(/^[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*)?$/, 'must be a name or name.name');

/** Points are written with at most two decimals, so every sum of them is exact in hundredths. */
const Points = z
  .number()
  .finite()
  .refine((p) => Math.abs(p) <= 1_000_000, 'must be between -1000000 and 1000000')
  .refine((p) => Number.isInteger(Math.round(p * 100)) && Math.abs(p * 100 - Math.round(p * 100)) < 1e-9, {
    message: 'must have at most two decimals',
  });

const Scalar = z.union([z.string(), z.number(), z.boolean()]);

const PredicateObject = z
  .strictObject({
    equals: Scalar.optional(),
    oneOf: z.array(Scalar).min(1).optional(),
    prefix: z.string().min(1).optional(),
    glob: z.string().min(1).optional(),
    regex: z.string().min(1).optional(),
    ignoreCase: z.boolean().optional(),
    gt: z.number().optional(),
    gte: z.number().optional(),
    lt: z.number().optional(),
    lte: z.number().optional(),
    exists: z.boolean().optional(),
  })
  .superRefine((p, ctx) => {
    const operators = [
      'equals',
      'oneOf',
      'prefix',
      'glob',
      'regex',
      'gt',
      'gte',
      'lt',
      'lte',
      'exists',
    ] as const;
    if (!operators.some((op) => p[op] !== undefined)) {
      ctx.addIssue({ code: 'custom', message: `needs one of: ${operators.join(', ')}` });
    }
    if (p.regex !== undefined) {
      try {
        new RegExp(p.regex, p.ignoreCase ? 'i' : '');
      } catch (error) {
        ctx.addIssue({
          code: 'custom',
          path: ['regex'],
          message: `is not a valid regular expression (${(error as Error).message})`,
        });
      }
    }
  });

/** A bare value means "equals"; an object combines operators, all of which must hold. */
export const PredicateSchema = z.union([Scalar, PredicateObject]);
export type Predicate = z.infer<typeof PredicateSchema>;

const Limit = z
  .strictObject({
    times: z.number().int().positive().optional(),
    points: z.number().positive().optional(),
    per: Duration,
    by: PropertyPath.optional(),
  })
  .refine((l) => (l.times === undefined) !== (l.points === undefined), {
    message: 'set exactly one of "times" or "points"',
  });

const Window = z.union([
  z.strictObject({ count: z.number().int().min(2).max(1000), within: Duration }),
  z.strictObject({ returnAfter: Duration, within: Duration }).refine((w) => w.returnAfter < w.within, {
    message: '"returnAfter" must be shorter than "within"',
    path: ['returnAfter'],
  }),
]);

const Common = {
  id: Id,
  group: Id,
  description: z.string().max(500).optional(),
  points: Points,
};

const Scored = {
  limit: Limit.optional(),
  decay: z.enum(['model', 'none']).default('model'),
  flag: Id.optional(),
  flagFor: Duration.optional(),
  disqualify: z.boolean().default(false),
};

const EventRule = z.strictObject({
  ...Common,
  ...Scored,
  when: z.strictObject({
    type: z.union([ActivityType, z.array(ActivityType).min(1)]),
    properties: z.record(PropertyPath, PredicateSchema).optional(),
  }),
  window: Window.optional(),
});

const ComboRule = z.strictObject({
  ...Common,
  ...Scored,
  all: z.array(Id).min(2),
  within: Duration,
});

const InactivityRule = z.strictObject({
  ...Common,
  inactiveFor: Duration,
  repeat: z.boolean().default(false),
});

/** Dispatch on the field that names the kind, so an error speaks of that kind's fields, not of a union. */
const RuleSchema = z.unknown().transform((value, ctx) => {
  const shape = typeof value === 'object' && value !== null ? value : {};
  const schema =
    'all' in shape
      ? ComboRule
      : 'inactiveFor' in shape
        ? InactivityRule
        : 'when' in shape
          ? EventRule
          : undefined;
  if (!schema) {
    ctx.addIssue({
      code: 'custom',
      message: 'a rule needs "when" (an event rule), "all" (a combination) or "inactiveFor"',
    });
    return value as z.infer<typeof EventRule>;
  }
  const parsed = schema.safeParse(value);
  if (!parsed.success) {
    for (const issue of parsed.error.issues) ctx.addIssue({ ...issue, path: [...issue.path] } as never);
    // The parse has failed already; handing on the raw rule lets the cross-reference pass still see its id.
    return value as z.infer<typeof EventRule>;
  }
  return parsed.data;
});

const FitRule = z.strictObject({
  id: Id,
  description: z.string().max(500).optional(),
  attribute: PropertyPath,
  match: PredicateSchema,
  /** A second attribute that must match too: an interaction, such as "contact is cellular and month is may". */
  and: z.strictObject({ attribute: PropertyPath, match: PredicateSchema }).optional(),
  points: Points,
  disqualify: z.boolean().default(false),
});

const Decay = z.union([
  z.strictObject({ kind: z.literal('none') }),
  z.strictObject({ kind: z.literal('halfLife'), halfLife: Duration }),
  z.strictObject({ kind: z.literal('linear'), every: Duration, percent: z.number().positive().max(100) }),
]);

const Bounds = { cap: z.number().finite().optional(), floor: z.number().finite().optional() };

export const ModelSchema = z
  .strictObject({
    model: Id,
    version: z.number().int().positive(),
    name: z.string().min(1).max(200),
    description: z.string().max(2000).optional(),
    /**
     * rules: the score is the sum of points. predictive: the points are terms of a logistic model (in hundredths
     * of a logit) and the score is the probability of converting, in percent: 100 / (1 + e^-(intercept + sum/100)).
     */
    kind: z.enum(['rules', 'predictive']).default('rules'),
    link: z.strictObject({ intercept: z.number().finite() }).optional(),
    /** How a predictive model was trained (written by `leadscore train`), for the record. */
    training: z.record(z.string(), z.union([z.string(), z.number()])).optional(),
    horizon: Duration.default(365 * 86_400_000),
    decay: Decay.default({ kind: 'none' }),
    scoreBots: z.boolean().default(false),
    /**
     * `base`: points every lead starts from (a trained scorecard's anchor), so that score = base + sum of points.
     */
    score: z.strictObject({ ...Bounds, base: z.number().finite().optional() }).default({}),
    groups: z
      .array(z.strictObject({ id: Id, description: z.string().max(500).optional(), ...Bounds }))
      .min(1),
    /** Empty only in a model that scores the profile alone (fit added to the score), as a trained scorecard may. */
    rules: z.array(RuleSchema).default([]),
    fit: z
      .strictObject({
        addToScore: z.boolean().default(false),
        ...Bounds,
        rules: z.array(FitRule).default([]),
        grades: z
          .array(
            z.strictObject({ grade: z.string().regex(/^[A-Z][A-Z0-9+-]{0,3}$/), min: z.number().optional() }),
          )
          .min(1),
      })
      .default({ addToScore: false, rules: [], grades: [{ grade: 'A' }] }),
    bands: z.strictObject({
      hysteresis: z.number().nonnegative().default(0),
      levels: z
        .array(
          z.strictObject({
            id: Id,
            min: z.number().optional(),
            description: z.string().max(500).optional(),
            /** Written by `leadscore train`: the share of held-out leads in this band that converted. */
            conversionRate: z.number().min(0).max(1).optional(),
          }),
        )
        .min(1),
    }),
  })
  .superRefine(checkReferences, { when: () => true });

export type Model = z.infer<typeof ModelSchema>;
export type ModelInput = z.input<typeof ModelSchema>;
export type Rule = Model['rules'][number];
export type EventRuleT = z.infer<typeof EventRule>;
export type ComboRuleT = z.infer<typeof ComboRule>;
export type InactivityRuleT = z.infer<typeof InactivityRule>;
export type FitRuleT = z.infer<typeof FitRule>;

export { isComboRule, isEventRule, isInactivityRule } from './kinds.ts';

type Loose = Record<string, unknown>;
const isRecord = (v: unknown): v is Loose => typeof v === 'object' && v !== null && !Array.isArray(v);
const records = (v: unknown): Loose[] => (Array.isArray(v) ? v.map((x) => (isRecord(x) ? x : {})) : []);
const num = (v: unknown): number | undefined => (typeof v === 'number' ? v : undefined);
const str = (v: unknown): string | undefined => (typeof v === 'string' ? v : undefined);

/**
 * What one field cannot see: ids that must be unique or must exist, and limits that must fit the horizon.
 * It runs even when fields are malformed (so one pass reports every problem), hence it reads the document loosely.
 */
function checkReferences(document: Model, ctx: z.RefinementCtx): void {
  const issue = (path: (string | number)[], message: string) =>
    ctx.addIssue({ code: 'custom', path, message });
  const model = document as unknown as Loose;
  const horizon = num(model.horizon);
  const groups = records(model.groups);
  const rules = records(model.rules);
  const fit = isRecord(model.fit) ? model.fit : {};
  const bands = isRecord(model.bands) ? model.bands : {};

  for (const i of duplicates(groups.map((g) => str(g.id))))
    issue(['groups', i, 'id'], `duplicate group id "${groups[i]?.id}"`);
  for (const [i, g] of groups.entries()) checkBounds(g, ['groups', i], issue);
  if (isRecord(model.score)) checkBounds(model.score, ['score'], issue);
  if (isRecord(model.fit)) checkBounds(model.fit, ['fit'], issue);

  if (model.kind === 'predictive') {
    if (!isRecord(model.link)) issue(['link'], 'a predictive model needs "link" (its intercept)');
    if (isRecord(model.fit) && model.fit.addToScore !== true)
      issue(['fit', 'addToScore'], 'must be true in a predictive model (fit terms are part of the logit)');
    if (isRecord(model.score) && (model.score.cap !== undefined || model.score.floor !== undefined))
      issue(['score'], "a predictive model's score is a probability: no cap or floor");
  } else if (model.link !== undefined) issue(['link'], 'only a predictive model has a "link"');

  const ruleIds = rules.map((r) => str(r.id));
  for (const i of duplicates(ruleIds)) issue(['rules', i, 'id'], `duplicate rule id "${ruleIds[i]}"`);
  const groupIds = new Set(groups.map((g) => str(g.id)).filter((id) => id !== undefined));
  const byId = new Map(rules.map((r) => [str(r.id), r]));
  const longerThanHorizon = (value: unknown, path: (string | number)[]) => {
    const ms = num(value);
    if (ms !== undefined && horizon !== undefined && ms > horizon)
      issue(path, 'must not be longer than the model\'s "horizon"');
  };

  rules.forEach((rule, i) => {
    const group = str(rule.group);
    if (group !== undefined && !groupIds.has(group)) {
      issue(['rules', i, 'group'], `unknown group "${group}"; groups are: ${[...groupIds].join(', ')}`);
    }
    if ('inactiveFor' in rule) return;
    if (isRecord(rule.limit)) longerThanHorizon(rule.limit.per, ['rules', i, 'limit', 'per']);
    if (rule.flagFor !== undefined && rule.flag === undefined) issue(['rules', i, 'flagFor'], 'needs "flag"');
    longerThanHorizon(rule.flagFor, ['rules', i, 'flagFor']);
    if (rule.flag === 'disqualified') issue(['rules', i, 'flag'], 'use "disqualify: true" to disqualify');
    if (isRecord(rule.window)) longerThanHorizon(rule.window.within, ['rules', i, 'window', 'within']);
    if (Array.isArray(rule.all)) {
      longerThanHorizon(rule.within, ['rules', i, 'within']);
      rule.all.forEach((ref, j) => {
        const target = byId.get(str(ref));
        if (!target) issue(['rules', i, 'all', j], `unknown rule "${String(ref)}"`);
        else if (!('when' in target))
          issue(['rules', i, 'all', j], `"${String(ref)}" must be an event rule (with "when")`);
      });
      if (new Set(rule.all).size !== rule.all.length) issue(['rules', i, 'all'], 'lists a rule twice');
    }
  });

  const fitRules = records(fit.rules);
  const fitIds = fitRules.map((r) => str(r.id));
  for (const i of duplicates(fitIds))
    issue(['fit', 'rules', i, 'id'], `duplicate fit rule id "${fitIds[i]}"`);
  const grades = records(fit.grades);
  checkLadder(
    grades.map((g) => num(g.min)),
    'descending',
    ['fit', 'grades'],
    issue,
  );
  for (const i of duplicates(grades.map((g) => str(g.grade))))
    issue(['fit', 'grades', i, 'grade'], 'duplicate grade');

  const levels = records(bands.levels);
  checkLadder(
    levels.map((b) => num(b.min)),
    'ascending',
    ['bands', 'levels'],
    issue,
  );
  for (const i of duplicates(levels.map((b) => str(b.id))))
    issue(['bands', 'levels', i, 'id'], 'duplicate band id');
  const hysteresis = num(bands.hysteresis) ?? 0;
  for (let i = 2; i < levels.length; i++) {
    const gap = (num(levels[i]?.min) ?? 0) - (num(levels[i - 1]?.min) ?? 0);
    if (hysteresis >= gap) {
      issue(
        ['bands', 'hysteresis'],
        `must be smaller than the gap between "${levels[i - 1]?.id}" and "${levels[i]?.id}" (${gap})`,
      );
      break;
    }
  }
}

function checkBounds(
  section: Loose,
  path: (string | number)[],
  issue: (path: (string | number)[], message: string) => void,
): void {
  const cap = num(section.cap);
  const floor = num(section.floor);
  if (cap !== undefined && floor !== undefined && floor > cap) issue(path, '"floor" is above "cap"');
}

/**
 * Bands climb from a catch-all lowest band (no "min"); grades fall to a catch-all last grade.
 * Every other step has a "min", strictly ordered.
 */
function checkLadder(
  mins: (number | undefined)[],
  order: 'ascending' | 'descending',
  path: string[],
  issue: (path: (string | number)[], message: string) => void,
): void {
  const catchAll = order === 'ascending' ? 0 : mins.length - 1;
  mins.forEach((min, i) => {
    if (i === catchAll && min !== undefined)
      issue(
        [...path, i, 'min'],
        `the ${order === 'ascending' ? 'first' : 'last'} entry catches everything else and has no "min"`,
      );
    if (i !== catchAll && min === undefined) issue([...path, i, 'min'], 'is required here');
  });
  for (let i = 1; i < mins.length; i++) {
    const a = mins[i - 1];
    const b = mins[i];
    if (a === undefined || b === undefined) continue;
    if (order === 'ascending' ? b <= a : b >= a)
      issue(
        [...path, i, 'min'],
        `must be ${order === 'ascending' ? 'above' : 'below'} the previous entry's (${a})`,
      );
  }
}

function duplicates(ids: (string | undefined)[]): number[] {
  const seen = new Set<string>();
  const repeated: number[] = [];
  ids.forEach((id, i) => {
    if (id === undefined) return;
    if (seen.has(id)) repeated.push(i);
    seen.add(id);
  });
  return repeated;
}
