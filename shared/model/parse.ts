import { createRequire } from 'node:module';
import type { z } from 'zod';
import { formatPath } from '../domain/path.ts';
import { type Model, ModelSchema } from './schema.ts';

export interface ModelProblem {
  /** Where in the document, e.g. "rules[3].limit.per"; empty for the document itself. */
  path: string;
  message: string;
}

/** A valid model, with the document it was read from (as written: durations as text, defaults not filled in). */
export type ParseResult =
  | { ok: true; model: Model; document: unknown }
  | { ok: false; problems: ModelProblem[] };

// The YAML parser is loaded when a model written in YAML is read: deployed functions read their models as JSON
// (written at synth), so the parser stays out of their bundles and their start-up.
const loadCommonJs = createRequire(import.meta.url);

/**
 * A model file's document as written, before validation: JSON when the file is named .json, else YAML (a superset
 * of JSON). Throws on a syntax error.
 */
export function readDocument(text: string, path = ''): unknown {
  if (path.endsWith('.json')) return JSON.parse(text);
  return (loadCommonJs('yaml') as typeof import('yaml')).parse(text, {
    prettyErrors: true,
    uniqueKeys: true,
  });
}

/** Parses a model (YAML, or JSON for a .json path) and validates it; every problem is reported, not just the first. */
export function parseModel(text: string, path = ''): ParseResult {
  let document: unknown;
  try {
    document = readDocument(text, path);
  } catch (error) {
    const kind = path.endsWith('.json') ? 'JSON' : 'YAML or JSON';
    return { ok: false, problems: [{ path: '', message: `not valid ${kind}: ${(error as Error).message}` }] };
  }
  return validateModel(document);
}

export function validateModel(document: unknown): ParseResult {
  const result = ModelSchema.safeParse(document);
  if (result.success) return { ok: true, model: result.data, document };
  return { ok: false, problems: result.error.issues.map(toProblem) };
}

function toProblem(issue: z.core.$ZodIssue): ModelProblem {
  const keys = issue.code === 'unrecognized_keys' ? issue.keys : undefined;
  const message = keys
    ? `unknown field${keys.length > 1 ? 's' : ''} ${keys.map((k) => `"${k}"`).join(', ')}`
    : issue.message.replace(/^Invalid input: /, '');
  return { path: formatPath(issue.path), message };
}

export class ModelError extends Error {
  override name = 'ModelError';
  readonly problems: ModelProblem[];
  constructor(source: string, problems: ModelProblem[]) {
    super(`${source}: ${problems.map((p) => `${p.path || '(document)'}: ${p.message}`).join('; ')}`);
    this.problems = problems;
  }
}
