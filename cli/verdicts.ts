import type { Verdict } from '../shared/evaluation/verdicts.ts';

/** Verdicts first, on stderr where they cannot be missed; true when one fails the model. */
export function printVerdicts(verdicts: readonly Verdict[], prefix = ''): boolean {
  for (const v of verdicts)
    console.error(`${v.level === 'fail' ? 'FAIL' : 'WARNING'}: ${prefix}${v.message}`);
  return verdicts.some((v) => v.level === 'fail');
}
