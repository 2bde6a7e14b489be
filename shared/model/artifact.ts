import { readFileSync } from 'node:fs';
import { type CompiledModel, compileModel } from './compile.ts';
import type { Model } from './schema.ts';

/**
 * The form in which a model reaches the functions: its document as written and the model validation made of it.
 * `cdk synth` writes one per model into every bundle, and `npm start` into its data directory, each after
 * validating the model, so a function compiles it at start-up without validating it again (which would load the
 * model language's schemas: some 30 ms of every cold start).
 */
export const MODEL_ARTIFACT_FORMAT = 'leadscore-model-artifact/1';

export interface ModelArtifact {
  format: typeof MODEL_ARTIFACT_FORMAT;
  document: unknown;
  model: Model;
}

/** A model in force: its file, its document as written, and the compiled model the engine scores with. */
export interface ModelFile {
  path: string;
  document: unknown;
  model: CompiledModel;
}

export function modelArtifact(document: unknown, model: Model): string {
  const artifact: ModelArtifact = { format: MODEL_ARTIFACT_FORMAT, document, model };
  return JSON.stringify(artifact);
}

export function isModelArtifact(value: unknown): value is ModelArtifact {
  return (value as Partial<ModelArtifact> | null)?.format === MODEL_ARTIFACT_FORMAT;
}

/** A model artifact's file, compiled; anything else is refused by name (a model file must be validated first). */
export function readModelArtifact(path: string): ModelFile {
  const value = asModelArtifact(readFileSync(path, 'utf8'));
  if (!value)
    throw new Error(
      `${path} is not a validated model artifact: functions take models as cdk synth and npm start write them (leadscore validate checks a model file)`,
    );
  return { path, document: value.document, model: compileModel(value.model) };
}

/** The models a function runs with (LEADSCORE_MODELS: comma-separated artifacts), each id once. */
export function readModelArtifacts(paths: string): ModelFile[] {
  return distinct(modelPaths(paths).map(readModelArtifact));
}

/** The files of a comma-separated list (LEADSCORE_MODELS, --models). */
export function modelPaths(paths: string): string[] {
  return paths
    .split(',')
    .map((p) => p.trim())
    .filter(Boolean);
}

/** An artifact, when the text is one; undefined for anything else. */
export function asModelArtifact(text: string): ModelArtifact | undefined {
  try {
    const value: unknown = JSON.parse(text);
    return isModelArtifact(value) ? value : undefined;
  } catch {
    return undefined;
  }
}

/** The compiled models a function runs with (see readModelArtifacts). */
export function compiledModels(paths: string): CompiledModel[] {
  return readModelArtifacts(paths).map((f) => f.model);
}

export function distinct(files: ModelFile[]): ModelFile[] {
  const ids = files.map((f) => f.model.id);
  const twice = ids.find((id, i) => ids.indexOf(id) !== i);
  if (twice) throw new Error(`LEADSCORE_MODELS names model "${twice}" twice`);
  return files;
}
