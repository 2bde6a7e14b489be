import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { asModelArtifact, distinct, type ModelFile, modelArtifact, modelPaths } from './model/artifact.ts';
import { compileModel } from './model/compile.ts';
import { ModelError, parseModel, validateModel } from './model/parse.ts';
import type { Model } from './model/schema.ts';

export type { ModelFile };

/**
 * Reads, validates and compiles model files (comma-separated): YAML or JSON as written, or the artifacts
 * writeModelArtifacts makes, whose document is validated again here. A bad model stops the caller with every
 * problem named. The CLI, the local runtime and the stack read models this way; functions read artifacts only,
 * without validating (shared/model/artifact.ts).
 */
export function loadModelFiles(paths: string): ModelFile[] {
  return distinct(
    modelPaths(paths).map((path) => {
      const { document, model } = validated(path);
      return { path, document, model: compileModel(model) };
    }),
  );
}

/** The compiled models in force (see loadModelFiles). */
export function loadModels(paths: string) {
  return loadModelFiles(paths).map((f) => f.model);
}

/**
 * Validates model files and writes each as the artifact functions read (`<dir>/<name>.json`); returns the
 * artifacts' paths, comma-separated, for LEADSCORE_MODELS.
 */
export function writeModelArtifacts(paths: string, dir: string): string {
  mkdirSync(dir, { recursive: true });
  return modelPaths(paths)
    .map((path) => {
      const { document, model } = validated(path);
      const file = join(dir, `${basename(path).replace(/\.(ya?ml|json)$/, '')}.json`);
      writeFileSync(file, modelArtifact(document, model));
      return file;
    })
    .join(',');
}

/** A model file's document and model, validated: an artifact's document as any other (it may be hand-edited, or old). */
function validated(path: string): { document: unknown; model: Model } {
  const text = readFileSync(path, 'utf8');
  const artifact = path.endsWith('.json') ? asModelArtifact(text) : undefined;
  const result = artifact ? validateModel(artifact.document) : parseModel(text, path);
  if (!result.ok) throw new ModelError(path, result.problems);
  return result;
}
