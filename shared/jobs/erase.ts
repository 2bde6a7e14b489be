import * as z from 'zod';
import type { Ledger } from '../store/ledger.ts';

/** What DELETE /v1/leads/{id} hands the worker: the lead and every id that pointed at it. */
export const EraseRequest = z.object({
  leadId: z.string(),
  aliases: z.array(z.object({ kind: z.enum(['lead', 'anonymous']), id: z.string() })),
});

export interface EraseState {
  /** Subjects whose activities are deleted so far, in the order of `subjectsOf`. */
  step: number;
  activities: number;
}

/**
 * The lead's ledger, then each alias's, then the lead's again: an activity being written as the erasure began
 * (before the tombstone was seen) is caught by the second sweep.
 */
function subjectsOf(request: z.infer<typeof EraseRequest>) {
  const lead = { kind: 'lead' as const, id: request.leadId };
  return [lead, ...request.aliases, lead];
}

export function eraseProgress(request: z.infer<typeof EraseRequest>, state: EraseState) {
  return { done: state.step, total: subjectsOf(request).length };
}

/** Deletes the activities of the lead and its aliases, subject by subject, as time allows. True when done. */
export async function continueErase(
  request: z.infer<typeof EraseRequest>,
  state: EraseState,
  ledger: Pick<Ledger, 'erase'>,
  more: () => boolean,
  saved: () => Promise<void>,
): Promise<boolean> {
  const subjects = subjectsOf(request);
  while (state.step < subjects.length && more()) {
    state.activities += await ledger.erase(subjects[state.step]!);
    state.step++;
    await saved();
  }
  return state.step === subjects.length;
}
