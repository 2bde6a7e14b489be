import type { ScorableActivity } from '../../shared/domain/activity.ts';
import type { Attributes } from '../../shared/domain/profile.ts';
import { recomputeLead } from '../../shared/engine/index.ts';
import { type CompiledModel, compileModel } from '../../shared/model/compile.ts';
import { validateModel } from '../../shared/model/parse.ts';
import type { ModelInput } from '../../shared/model/schema.ts';

export const T0 = Date.parse('2026-01-05T00:00:00Z');
export const MIN = 60_000;
export const HOUR = 3_600_000;
export const DAY = 86_400_000;

/** A valid model: one group "g", bands cold < warm (10) < hot (20), no decay, a 365-day horizon, plus overrides. */
export function makeModel(overrides: Partial<ModelInput>): CompiledModel {
  const result = validateModel({
    model: 'test',
    version: 1,
    name: 'test',
    groups: [{ id: 'g' }],
    bands: { levels: [{ id: 'cold' }, { id: 'warm', min: 10 }, { id: 'hot', min: 20 }] },
    ...overrides,
  });
  if (!result.ok) throw new Error(result.problems.map((p) => `${p.path}: ${p.message}`).join('\n'));
  return compileModel(result.model);
}

let counter = 0;
export function activity(
  type: string,
  t: number,
  properties?: Record<string, string | number>,
  eventId = `e${++counter}`,
): ScorableActivity {
  return { eventId, type, occurredAt: new Date(t).toISOString(), ...(properties && { properties }) };
}

export function scoreAt(
  model: CompiledModel,
  activities: ScorableActivity[],
  now: number,
  attributes?: Attributes,
  previousBand?: string,
) {
  return recomputeLead(model, activities, attributes, now, previousBand).score;
}
