import { readFileSync } from 'node:fs';
import { type CompiledModel, compileModel } from './model/compile.ts';
import { ModelError, parseModel, parseModelJson } from './model/parse.ts';

/** Loads and validates the models in force, once at start-up; a bad model stops the process with every problem named. */
export function loadModels(paths: string): CompiledModel[] {
  const models = paths
    .split(',')
    .map((p) => p.trim())
    .filter(Boolean)
    .map((path) => {
      const text = readFileSync(path, 'utf8');
      const result = path.endsWith('.json') ? parseModelJson(text) : parseModel(text);
      if (!result.ok) throw new ModelError(path, result.problems);
      return compileModel(result.model);
    });
  const ids = models.map((m) => m.id);
  const twice = ids.find((id, i) => ids.indexOf(id) !== i);
  if (twice) throw new Error(`LEADSCORE_MODELS names model "${twice}" twice`);
  return models;
}
