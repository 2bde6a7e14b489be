import { readFileSync } from 'node:fs';
import { type CompiledModel, compileModel } from './model/compile.ts';
import { ModelError, parseModel } from './model/parse.ts';

/** A model in force: its file, its document as written, and the compiled model the engine scores with. */
export interface ModelFile {
  path: string;
  document: unknown;
  model: CompiledModel;
}

/**
 * Reads, validates and compiles the models in force (comma-separated files), once at start-up; a bad model stops
 * the process with every problem named.
 */
export function loadModelFiles(paths: string): ModelFile[] {
  const files = paths
    .split(',')
    .map((p) => p.trim())
    .filter(Boolean)
    .map((path) => {
      const result = parseModel(readFileSync(path, 'utf8'), path);
      if (!result.ok) throw new ModelError(path, result.problems);
      return { path, document: result.document, model: compileModel(result.model) };
    });
  const ids = files.map((f) => f.model.id);
  const twice = ids.find((id, i) => ids.indexOf(id) !== i);
  if (twice) throw new Error(`LEADSCORE_MODELS names model "${twice}" twice`);
  return files;
}

/** The compiled models in force (see loadModelFiles). */
export function loadModels(paths: string): CompiledModel[] {
  return loadModelFiles(paths).map((f) => f.model);
}
