import { readFile } from 'node:fs/promises';
import { type CompiledModel, compileModel } from './compile.ts';
import { ModelError, parseModel } from './parse.ts';

/** Reads, validates and compiles a model file; throws ModelError naming every problem. */
export async function loadModelFile(path: string): Promise<CompiledModel> {
  const result = parseModel(await readFile(path, 'utf8'));
  if (!result.ok) throw new ModelError(path, result.problems);
  return compileModel(result.model);
}
