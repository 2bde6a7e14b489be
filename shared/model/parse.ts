import { createRequire } from 'node:module';
import type { z } from 'zod';
import { type Model, ModelSchema } from './schema.ts';

export interface ModelProblem {
  /** Where in the document, e.g. "rules[3].limit.per"; empty for the document itself. */
  path: string;
  message: string;
}

export type ParseResult = { ok: true; model: Model } | { ok: false; problems: ModelProblem[] };

// The YAML parser is loaded when a model written in YAML is read: deployed functions read their models as JSON
// (written at synth), so the parser stays out of their bundles and their start-up.
const loadCommonJs = createRequire(import.meta.url);

/** Parses a model written as YAML (a superset of JSON) and validates it; every problem is reported, not just the first. */
export function parseModel(text: string): ParseResult {
  let document: unknown;
  try {
    const yaml = loadCommonJs('yaml') as typeof import('yaml');
    document = yaml.parse(text, { prettyErrors: true, uniqueKeys: true });
  } catch (error) {
    return {
      ok: false,
      problems: [{ path: '', message: `not valid YAML or JSON: ${(error as Error).message}` }],
    };
  }
  return validateModel(document);
}

/** A model file's document as written (YAML or JSON), before validation: what an editor shows and a dry run takes. */
export function readDocument(text: string, path: string): unknown {
  if (path.endsWith('.json')) return JSON.parse(text);
  return (loadCommonJs('yaml') as typeof import('yaml')).parse(text);
}

/** Parses a model already turned into JSON (as the stack bundles it) and validates it. */
export function parseModelJson(text: string): ParseResult {
  try {
    return validateModel(JSON.parse(text));
  } catch (error) {
    return { ok: false, problems: [{ path: '', message: `not valid JSON: ${(error as Error).message}` }] };
  }
}

export function validateModel(document: unknown): ParseResult {
  const result = ModelSchema.safeParse(document);
  if (result.success) return { ok: true, model: result.data };
  return { ok: false, problems: result.error.issues.map(toProblem) };
}

export function formatPath(path: readonly PropertyKey[]): string {
  return path
    .map((part, i) => (typeof part === 'number' ? `[${part}]` : i === 0 ? String(part) : `.${String(part)}`))
    .join('');
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
