import type { Model } from '../model/schema.ts';

type Bands = Model['bands'];
type Grades = Model['fit']['grades'];

/**
 * The band for a score. Going up, a band is entered at its `min`. Going down, the lead keeps its band until the
 * score falls below `min - hysteresis`, so a score hovering at a threshold does not flap; once it has dropped, the
 * threshold is re-armed and the next rise crosses it again. A disqualified lead is always in the lowest band.
 */
export function classifyBand(
  bands: Bands,
  score: number,
  previous: string | undefined,
  disqualified: boolean,
): string {
  const levels = bands.levels;
  if (disqualified) return levels[0]!.id;
  let raw = 0;
  for (let i = levels.length - 1; i > 0; i--) {
    if (score >= levels[i]!.min!) {
      raw = i;
      break;
    }
  }
  const held = previous === undefined ? -1 : levels.findIndex((l) => l.id === previous);
  if (held <= raw) return levels[raw]!.id;
  for (let i = held; i > raw; i--) {
    if (score >= levels[i]!.min! - bands.hysteresis) return levels[i]!.id;
  }
  return levels[raw]!.id;
}

/** Grades run from best to worst; the first whose `min` the fit score reaches, else the last. */
export function gradeFor(grades: Grades, fit: number): string {
  for (const g of grades) if (g.min === undefined || fit >= g.min) return g.grade;
  return grades[grades.length - 1]!.grade;
}

/** "A1" is the best fit in the top band; the digit counts bands down from the top. */
export function combinedView(bands: Bands, grade: string, band: string): string {
  const index = bands.levels.findIndex((l) => l.id === band);
  return `${grade}${bands.levels.length - index}`;
}

export type Crossing =
  | { kind: 'band'; from: string; to: string; direction: 'up' | 'down'; passed: string[] }
  | { kind: 'flag'; flag: string; direction: 'raised' | 'cleared' };

/**
 * What changed between two scorings of one lead that subscribers care about: a band change (with every
 * threshold passed on the way) and flags raised or cleared. A first scoring has no "before": entering a band
 * above the lowest counts as crossing up from the lowest.
 */
export function thresholdCrossings(
  bands: Bands,
  before: { band: string; flags: readonly string[] } | undefined,
  after: { band: string; flags: readonly string[] },
): Crossing[] {
  const crossings: Crossing[] = [];
  const ids = bands.levels.map((l) => l.id);
  const from = before?.band ?? ids[0]!;
  const a = ids.indexOf(from);
  const b = ids.indexOf(after.band);
  if (a !== b) {
    const passed = a < b ? ids.slice(a + 1, b + 1) : ids.slice(b + 1, a + 1).reverse();
    crossings.push({ kind: 'band', from, to: after.band, direction: a < b ? 'up' : 'down', passed });
  }
  const had = new Set(before?.flags ?? []);
  const has = new Set(after.flags);
  for (const flag of has) if (!had.has(flag)) crossings.push({ kind: 'flag', flag, direction: 'raised' });
  for (const flag of had) if (!has.has(flag)) crossings.push({ kind: 'flag', flag, direction: 'cleared' });
  return crossings;
}
