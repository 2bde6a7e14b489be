import type { CompiledModel } from '../model/compile.ts';
import type { ScoreStore } from '../store/scores.ts';
import { count } from '../telemetry.ts';
import { refitScore } from './update.ts';

/**
 * A lead's profile changed: fit moves its score, grade and band, so each of its scores is refitted from its stored
 * state with the new attributes, conditionally on its revision (a conflict: read again). A lead with no score yet
 * is scored by its first activity; a score of another model version is rescoring's.
 */
export async function refitLead(
  scores: Pick<ScoreStore, 'context' | 'put'>,
  models: CompiledModel[],
  leadId: string,
  now: number,
): Promise<void> {
  for (let attempt = 0; attempt < 8; attempt++) {
    const context = await scores.context(
      leadId,
      models.map((m) => m.id),
    );
    if (context.erased) return;
    let conflict = false;
    for (const model of models) {
      const stored = context.scores.get(model.id);
      if (!stored || stored.fingerprint !== model.fingerprint) continue;
      const write = refitScore(model, stored, context.attributes, now);
      // Only fit and who the lead is (copied for the ranked list) come from the profile.
      const same = (['name', 'email', 'company', 'title'] as const).every((k) => write.item[k] === stored[k]);
      if (same && write.item.fitRules.join() === stored.fitRules.join()) continue;
      if (await scores.put(write.item, write.expectedRev)) count('refit.written');
      else conflict = true;
    }
    if (!conflict) return;
  }
  throw new Error(`lead ${leadId}: still conflicting`);
}
