import type { DynamoDBBatchResponse, DynamoDBStreamEvent } from 'aws-lambda';
import type { Attributes } from '../shared/domain/profile.ts';
import { lambdaHandler } from '../shared/lambda.ts';
import { compiledModels } from '../shared/model/artifact.ts';
import { refitScore } from '../shared/scoring/update.ts';
import { ScoreStore } from '../shared/store/scores.ts';
import { itemOfImage } from '../shared/store/stream-image.ts';
import { count } from '../shared/telemetry.ts';
import { wire } from '../shared/wiring.ts';

const { config, client, tables } = wire('refit-scores');
const models = compiledModels(config.LEADSCORE_MODELS);
const scores = new ScoreStore(client, tables);

/**
 * The leads stream's profile changes: fit moves a lead's score, grade and band, so each of its scores is refitted
 * from its stored state with the new attributes, conditionally on its revision (a conflict: read again). A lead
 * with no score yet is scored by its first activity. Failures are reported as the record's sequence number.
 */
async function refitScores(event: DynamoDBStreamEvent): Promise<DynamoDBBatchResponse> {
  for (const record of event.Records) {
    const image = record.dynamodb?.NewImage;
    if (!image) continue;
    const profile = itemOfImage<{
      entity?: string;
      leadId: string;
      attributes?: Attributes;
    }>(image);
    if (profile.entity !== 'profile') continue;
    try {
      await refit(profile.leadId);
    } catch {
      count('refit.failed');
      return { batchItemFailures: [{ itemIdentifier: record.dynamodb!.SequenceNumber! }] };
    }
  }
  return { batchItemFailures: [] };
}

async function refit(leadId: string): Promise<void> {
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
      const write = refitScore(model, stored, context.attributes, Date.now());
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

export const handler = lambdaHandler(refitScores);
