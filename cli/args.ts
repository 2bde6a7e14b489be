import { type ParseArgsConfig, parseArgs } from 'node:util';
import { UsageError } from './main.ts';

type Options = NonNullable<ParseArgsConfig['options']>;

export function parse<T extends Options>(args: string[], options: T, positionals = 0) {
  try {
    const parsed = parseArgs({ args, options, allowPositionals: positionals > 0, strict: true });
    if (parsed.positionals.length > positionals)
      throw new UsageError(`unexpected argument "${parsed.positionals[positionals]}"`);
    return parsed;
  } catch (error) {
    if (error instanceof UsageError) throw error;
    throw new UsageError((error as Error).message);
  }
}

/** --at takes an ISO 8601 time; the clock is read only when it is absent. */
export function parseAt(at: string | undefined): number {
  if (at === undefined) return Date.now();
  const ms = Date.parse(at);
  if (Number.isNaN(ms))
    throw new UsageError(`--at "${at}" is not an ISO 8601 time such as 2026-11-24T09:00:00Z`);
  return ms;
}
