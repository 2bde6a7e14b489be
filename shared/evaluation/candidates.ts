import { fnv1a } from '../engine/hash.ts';
import type { DatasetLead } from './dataset.ts';

/**
 * What `train` without a base learns from: a profile of the dataset (one streaming pass, bounded memory, the same
 * whatever the row order) and, from it, the candidate rules of a scorecard. Each candidate is an ordinary rule
 * with one point, so the engine itself computes the terms the fit weighs, exactly as it will score them live.
 */

/** Attributes with more distinct text values than this are identifiers or free text, not categories. */
const MAX_CATEGORIES = 1000;
/** Numbers kept per attribute to place bins: those of the leads with the lowest id hashes (order-independent). */
const SAMPLE = 100_000;
const BINS = 20;
const MAX_COUNT = 1000;
const MAX_PROPERTY_VALUES = 30;

interface AttributeProfile {
  present: number;
  numeric: number;
  texts: Map<string, number> | undefined;
  sample: { hash: number; value: number }[];
  limit: number;
}

export class DatasetProfile {
  readonly attributes = new Map<string, AttributeProfile>();
  /** Per activity type: how many leads have n of them (n capped), and counts of property values. */
  readonly activities = new Map<
    string,
    { counts: Uint32Array; properties: Map<string, Map<string, number> | undefined> }
  >();
  leads = 0;

  observe(lead: DatasetLead): void {
    this.leads++;
    const hash = fnv1a(lead.leadId);
    for (const [name, value] of Object.entries(lead.attributes ?? {})) {
      if (value === null || value === undefined || value === '') continue;
      let a = this.attributes.get(name);
      if (!a) {
        a = { present: 0, numeric: 0, texts: new Map(), sample: [], limit: 2 ** 32 };
        this.attributes.set(name, a);
      }
      a.present++;
      if (typeof value === 'number') {
        a.numeric++;
        if (hash < a.limit) {
          a.sample.push({ hash, value });
          if (a.sample.length > 2 * SAMPLE) {
            a.sample.sort((x, y) => x.hash - y.hash);
            a.sample.length = SAMPLE;
            a.limit = a.sample[SAMPLE - 1]!.hash;
          }
        }
      } else if (a.texts) {
        const text = String(value);
        a.texts.set(text, (a.texts.get(text) ?? 0) + 1);
        if (a.texts.size > MAX_CATEGORIES) a.texts = undefined;
      }
    }
    const perType = new Map<string, number>();
    for (const activity of lead.activities) {
      perType.set(activity.type, (perType.get(activity.type) ?? 0) + 1);
      let t = this.activities.get(activity.type);
      if (!t) {
        t = { counts: new Uint32Array(MAX_COUNT + 1), properties: new Map() };
        this.activities.set(activity.type, t);
      }
      for (const [key, value] of Object.entries(activity.properties ?? {})) {
        if (typeof value !== 'string' && typeof value !== 'boolean') continue;
        if (!t.properties.has(key)) t.properties.set(key, new Map());
        const values = t.properties.get(key);
        if (!values) continue;
        values.set(String(value), (values.get(String(value)) ?? 0) + 1);
        if (values.size > MAX_PROPERTY_VALUES) t.properties.set(key, undefined);
      }
    }
    for (const [type, n] of perType) this.activities.get(type)!.counts[Math.min(n, MAX_COUNT)]!++;
  }
}

/** A candidate rule document (points 1) and where it comes from: an attribute or an activity type. */
export interface Candidate {
  source: string;
  rule: Record<string, unknown>;
}

/**
 * Candidate rules: each category value seen on at least `minSupport` leads (rarer ones are left at zero points
 * with a missing value, the reference); each number in up to ten bins at its deciles; for each activity type its
 * count (one term per activity, capped at the 95th percentile) and its frequent property values; and how long a
 * lead has been idle.
 */
export function candidates(
  profile: DatasetProfile,
  options: { minSupport: number; exclude: Set<string>; horizonMs: number },
): { fit: Candidate[]; rules: Candidate[] } {
  const ids = new Set<string>();
  const idFor = (...parts: string[]) => {
    let id = slug(parts.join('-'));
    if (!/^[a-z]/.test(id)) id = `a-${id}`;
    id = id.slice(0, 58);
    let unique = id;
    for (let n = 2; ids.has(unique); n++) unique = `${id}-${n}`;
    ids.add(unique);
    return unique;
  };
  const fit: Candidate[] = [];
  for (const [name, a] of [...profile.attributes].sort(([x], [y]) => (x < y ? -1 : 1))) {
    if (options.exclude.has(name)) continue;
    if (a.numeric >= 0.95 * a.present) {
      const values = a.sample.map((s) => s.value).sort((x, y) => x - y);
      const cuts = [
        ...new Set(
          Array.from({ length: BINS - 1 }, (_, q) => values[Math.floor(((q + 1) / BINS) * values.length)]!),
        ),
      ].filter((c) => c > values[0]!);
      const edges = [undefined, ...cuts, undefined];
      for (let i = 0; i + 1 < edges.length; i++) {
        const from = edges[i];
        const to = edges[i + 1];
        const match = { ...(from !== undefined && { gte: from }), ...(to !== undefined && { lt: to }) };
        if (from === undefined && to === undefined) continue;
        const label =
          from === undefined
            ? `${name} under ${to}`
            : to === undefined
              ? `${name} ${from} or more`
              : `${name} from ${from} to under ${to}`;
        const id =
          from === undefined
            ? idFor(name, 'under', number(to!))
            : to === undefined
              ? idFor(name, number(from), 'plus')
              : idFor(name, number(from), 'to', number(to));
        fit.push({ source: name, rule: { id, description: label, attribute: name, match, points: 1 } });
      }
      continue;
    }
    if (!a.texts) continue;
    for (const [value, count] of [...a.texts].sort(([x], [y]) => (x < y ? -1 : 1))) {
      if (count < options.minSupport) continue;
      fit.push({
        source: name,
        rule: {
          id: idFor(name, value),
          description: `${name} is ${value}`,
          attribute: name,
          match: value,
          points: 1,
        },
      });
    }
  }

  const rules: Candidate[] = [];
  for (const [type, t] of [...profile.activities].sort(([x], [y]) => (x < y ? -1 : 1))) {
    const leads = t.counts.reduce((s, c) => s + c, 0);
    if (leads < options.minSupport) continue;
    let seen = 0;
    let cap = 1;
    for (let n = 1; n <= MAX_COUNT; n++) {
      seen += t.counts[n]!;
      cap = n;
      if (seen >= 0.95 * leads) break;
    }
    rules.push({
      source: type,
      rule: {
        id: idFor(type, 'each'),
        description: `each ${type} (at most ${cap} a year counted)`,
        group: 'activity',
        points: 1,
        when: { type },
        limit: { times: cap, per: '365d' },
      },
    });
    for (const [key, values] of [...t.properties].sort(([x], [y]) => (x < y ? -1 : 1))) {
      if (!values) continue;
      for (const [value, count] of [...values].sort(([x], [y]) => (x < y ? -1 : 1))) {
        if (count < options.minSupport) continue;
        rules.push({
          source: `${type}.${key}`,
          rule: {
            id: idFor(type, key, value),
            description: `each ${type} with ${key} ${value}`,
            group: 'activity',
            points: 1,
            when: { type, properties: { [key]: value } },
            limit: { times: cap, per: '365d' },
          },
        });
      }
    }
  }
  if (rules.length > 0)
    for (const days of [7, 30, 90])
      if (days * 86_400_000 < options.horizonMs)
        rules.push({
          source: 'idle',
          rule: {
            id: idFor('idle', String(days), 'days'),
            description: `no activity for ${days} days`,
            group: 'activity',
            points: 1,
            inactiveFor: `${days}d`,
          },
        });
  return { fit, rules };
}

function slug(text: string): string {
  return text
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '');
}

function number(n: number): string {
  return `${n < 0 ? 'minus-' : ''}${String(Math.abs(n)).replace('.', 'p')}`;
}
