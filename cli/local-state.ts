import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { DEFAULT_DATA_DIR, RuntimeState } from '../local/runtime.ts';
import { InputError } from './main.ts';

/** The running local runtime of this checkout, as it described itself in <data dir>/runtime.json. */
export function localRuntime(dataDir = DEFAULT_DATA_DIR) {
  const file = join(dataDir, 'runtime.json');
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch {
    throw new InputError(
      `no local runtime found (${file} is missing): start one with "npm start", or pass --data-dir`,
    );
  }
  const parsed = RuntimeState.safeParse(JSON.parse(text));
  if (!parsed.success) throw new InputError(`${file} is not a runtime description; restart "npm start"`);
  return parsed.data;
}
