import type { PropertyMap } from '../domain/activity.ts';
import { fnv1a } from '../engine/hash.ts';
import { isComboRule, isEventRule, isInactivityRule } from './kinds.ts';
import type { Model, Predicate } from './schema.ts';

export type Matcher = (value: unknown) => boolean;

/** An event rule or combination, ready for the hot path: predicates compiled, limits resolved to counts. */
export interface ScoringRule {
  index: number;
  id: string;
  group: string;
  points: number;
  /** Matches an activity's properties (event rules only). */
  matches?: (properties: PropertyMap | undefined) => boolean;
  /** At most `times` firings per epoch-aligned `per` bucket (and per `by` value); `pointsCap` caps points in it instead. */
  limit?: { times: number; pointsCap?: number; per: number; by?: string };
  window?: { count: number; within: number } | { returnAfter: number; within: number };
  /** Combination: fires when every listed rule matched within `within`. */
  all?: number[];
  within?: number;
  decays: boolean;
  flag?: string;
  flagFor: number;
  disqualify: boolean;
  /**
   * A combination names this rule and looks at every match of it, so no match may be dropped for a limit. (A window
   * rule's own matches are compacted by what its firings need: compactState.)
   */
  needsEveryMatch: boolean;
}

export interface InactivityRule {
  id: string;
  group: string;
  points: number;
  inactiveFor: number;
  repeat: boolean;
}

export interface FitRule {
  id: string;
  attribute: string;
  matches: Matcher;
  and?: { attribute: string; matches: Matcher };
  points: number;
  disqualify: boolean;
}

export interface CompiledModel {
  source: Model;
  id: string;
  version: number;
  /** Changes whenever anything in the model changes; stored with each lead's state so a stale state is never reused. */
  fingerprint: number;
  horizon: number;
  scoreBots: boolean;
  rules: ScoringRule[];
  /** Event rules by activity type: the only rules an activity is matched against. */
  rulesByType: Map<string, ScoringRule[]>;
  combos: ScoringRule[];
  /** For each event rule, the combinations that name it (undefined when none). */
  combosByRule: (ScoringRule[] | undefined)[];
  inactivity: InactivityRule[];
  fit: FitRule[];
  /** Decay multiplier for a contribution of the given age (0 <= age < horizon). */
  decayFactor: (ageMs: number) => number;
}

const DEFAULT_FLAG_FOR = 86_400_000;

export function compileModel(model: Model): CompiledModel {
  const index = new Map(model.rules.map((r, i) => [r.id, i]));
  const referenced = new Set(model.rules.flatMap((r) => (isComboRule(r) ? r.all : [])));
  const rules: ScoringRule[] = [];
  const inactivity: InactivityRule[] = [];

  model.rules.forEach((rule, i) => {
    if (isInactivityRule(rule)) {
      const { id, group, points, inactiveFor, repeat } = rule;
      inactivity.push({ id, group, points, inactiveFor, repeat });
      return;
    }
    const limit = rule.limit
      ? {
          times: rule.limit.times ?? Math.max(1, Math.ceil(rule.limit.points! / Math.abs(rule.points || 1))),
          ...(rule.limit.points !== undefined && { pointsCap: rule.limit.points }),
          per: rule.limit.per,
          ...(rule.limit.by !== undefined && { by: rule.limit.by }),
        }
      : undefined;
    const compiled: ScoringRule = {
      index: i,
      id: rule.id,
      group: rule.group,
      points: rule.points,
      ...(limit && { limit }),
      decays: rule.decay === 'model',
      ...(rule.flag !== undefined && { flag: rule.flag }),
      flagFor: rule.flagFor ?? DEFAULT_FLAG_FOR,
      disqualify: rule.disqualify,
      needsEveryMatch: referenced.has(rule.id),
    };
    if (isEventRule(rule)) {
      compiled.matches = compileProperties(rule.when.properties);
      if (rule.window) compiled.window = rule.window;
    } else if (isComboRule(rule)) {
      compiled.all = rule.all.map((id) => index.get(id)!);
      compiled.within = rule.within;
    }
    rules[i] = compiled;
  });

  const rulesByType = new Map<string, ScoringRule[]>();
  for (const rule of model.rules) {
    if (!isEventRule(rule)) continue;
    const types = Array.isArray(rule.when.type) ? rule.when.type : [rule.when.type];
    for (const type of new Set(types)) {
      const list = rulesByType.get(type) ?? [];
      list.push(rules[index.get(rule.id)!]!);
      rulesByType.set(type, list);
    }
  }

  const combos = rules.filter((r) => r?.all !== undefined);
  const combosByRule: (ScoringRule[] | undefined)[] = rules.map(() => undefined);
  for (const combo of combos) {
    for (const ref of combo.all!) {
      const list = combosByRule[ref] ?? [];
      list.push(combo);
      combosByRule[ref] = list;
    }
  }

  return {
    source: model,
    id: model.model,
    version: model.version,
    fingerprint: fnv1a(stableStringify(model)),
    horizon: model.horizon,
    scoreBots: model.scoreBots,
    rules,
    rulesByType,
    combos,
    combosByRule,
    inactivity,
    fit: model.fit.rules.map((r) => ({
      id: r.id,
      attribute: r.attribute,
      matches: compilePredicate(r.match),
      ...(r.and && { and: { attribute: r.and.attribute, matches: compilePredicate(r.and.match) } }),
      points: r.points,
      disqualify: r.disqualify,
    })),
    decayFactor: decayFunction(model.decay),
  };
}

function decayFunction(decay: Model['decay']): (ageMs: number) => number {
  switch (decay.kind) {
    case 'none':
      return () => 1;
    case 'halfLife': {
      const halfLife = decay.halfLife;
      return (age) => 0.5 ** (age / halfLife);
    }
    case 'linear': {
      const { every, percent } = decay;
      return (age) => Math.max(0, 1 - (percent / 100) * Math.floor(age / every));
    }
  }
}

export function readPath(source: Record<string, unknown> | undefined, path: string): unknown {
  if (!source) return undefined;
  const dot = path.indexOf('.');
  if (dot < 0) return source[path];
  const head = source[path.slice(0, dot)];
  return head !== null && typeof head === 'object'
    ? (head as Record<string, unknown>)[path.slice(dot + 1)]
    : undefined;
}

function compileProperties(
  properties: Record<string, Predicate> | undefined,
): (p: PropertyMap | undefined) => boolean {
  if (!properties) return () => true;
  const checks = Object.entries(properties).map(([path, predicate]) => ({
    path,
    test: compilePredicate(predicate),
  }));
  return (props) => {
    for (const { path, test } of checks) if (!test(readPath(props, path))) return false;
    return true;
  };
}

/** Every operator of a predicate must hold; a missing value satisfies only `exists: false`. */
export function compilePredicate(predicate: Predicate): Matcher {
  if (typeof predicate !== 'object') return compilePredicate({ equals: predicate });
  const fold = predicate.ignoreCase ? (s: string) => s.toLowerCase() : (s: string) => s;
  const tests: Matcher[] = [];
  if (predicate.exists !== undefined) {
    const want = predicate.exists;
    tests.push((v) => isPresent(v) === want);
  }
  if (predicate.exists === false) return (v) => tests.every((t) => t(v));
  tests.push(isPresent);
  if (predicate.equals !== undefined) {
    const expected = fold(String(predicate.equals));
    tests.push((v) => fold(String(v)) === expected);
  }
  if (predicate.oneOf !== undefined) {
    const options = new Set(predicate.oneOf.map((o) => fold(String(o))));
    tests.push((v) => options.has(fold(String(v))));
  }
  if (predicate.prefix !== undefined) {
    const prefix = fold(predicate.prefix);
    tests.push((v) => fold(String(v)).startsWith(prefix));
  }
  if (predicate.glob !== undefined) {
    const re = globToRegExp(predicate.glob, predicate.ignoreCase === true);
    tests.push((v) => re.test(String(v)));
  }
  if (predicate.regex !== undefined) {
    const re = new RegExp(predicate.regex, predicate.ignoreCase ? 'i' : '');
    tests.push((v) => re.test(String(v)));
  }
  const { gt, gte, lt, lte } = predicate;
  if (gt !== undefined) tests.push((v) => toNumber(v) > gt);
  if (gte !== undefined) tests.push((v) => toNumber(v) >= gte);
  if (lt !== undefined) tests.push((v) => toNumber(v) < lt);
  if (lte !== undefined) tests.push((v) => toNumber(v) <= lte);
  return (v) => {
    for (const test of tests) if (!test(v)) return false;
    return true;
  };
}

function isPresent(v: unknown): boolean {
  return v !== undefined && v !== null && v !== '';
}

/** Numbers and numeric strings compare as numbers; anything else compares false (NaN). */
function toNumber(v: unknown): number {
  if (typeof v === 'number') return v;
  if (typeof v === 'string' && v.trim() !== '') return Number(v);
  return Number.NaN;
}

/** `*` is any run of characters (slashes included), `?` one character; the whole value must match. */
export function globToRegExp(glob: string, ignoreCase: boolean): RegExp {
  const body = glob
    .replace(/[.+^${}()|[\]\\]/g, '\\$&')
    .replace(/\*/g, '.*')
    .replace(/\?/g, '.');
  return new RegExp(`^${body}$`, ignoreCase ? 'is' : 's');
}

function stableStringify(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(stableStringify).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${stableStringify(v)}`).join(',')}}`;
  }
  return JSON.stringify(value);
}
