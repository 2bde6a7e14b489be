import { createReadStream } from 'node:fs';
import { access } from 'node:fs/promises';
import { createInterface } from 'node:readline';
import type { z } from 'zod';
import { formatPath } from '../shared/domain/path.ts';
import { InputError } from './main.ts';

export interface LineProblem {
  line: number;
  message: string;
}

/**
 * Reads newline-delimited JSON, validating each line; a bad line is reported with its number and skipped, the
 * rest go on. Blank lines are ignored.
 */
export async function* readNdjson<S extends z.ZodType>(
  file: string,
  schema: S,
  problems: LineProblem[],
  onLine?: (line: number) => void,
): AsyncGenerator<z.infer<S>> {
  await access(file).catch(() => {
    throw new InputError(`cannot read ${file}: no such file`);
  });
  const lines = createInterface({
    input: createReadStream(file, 'utf8'),
    crlfDelay: Number.POSITIVE_INFINITY,
  });
  let n = 0;
  for await (const text of lines) {
    n++;
    onLine?.(n);
    if (text.trim() === '') continue;
    let value: unknown;
    try {
      value = JSON.parse(text);
    } catch {
      problems.push({ line: n, message: 'not valid JSON' });
      continue;
    }
    const result = schema.safeParse(value);
    if (result.success) yield result.data;
    else
      problems.push({
        line: n,
        message: result.error.issues.map((i) => `${formatPath(i.path) || '(line)'}: ${i.message}`).join('; '),
      });
  }
}

export function reportProblems(file: string, problems: LineProblem[], limit = 20): void {
  if (problems.length === 0) return;
  console.error(`${file}: skipped ${problems.length} line${problems.length > 1 ? 's' : ''}`);
  for (const p of problems.slice(0, limit)) console.error(`  line ${p.line}: ${p.message}`);
  if (problems.length > limit) console.error(`  ... and ${problems.length - limit} more`);
}
