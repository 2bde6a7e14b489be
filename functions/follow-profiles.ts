import type { AttributeValue, DynamoDBBatchResponse, DynamoDBStreamEvent } from 'aws-lambda';
import type { Attributes } from '../shared/domain/profile.ts';
import { lambdaHandler } from '../shared/lambda.ts';
import { compiledModels } from '../shared/model/artifact.ts';
import { refitLead } from '../shared/scoring/refit.ts';
import { subjectOf } from '../shared/store/keys.ts';
import { ScoreStore } from '../shared/store/scores.ts';
import { SearchIndex } from '../shared/store/search.ts';
import { itemOfImage } from '../shared/store/stream-image.ts';
import { count } from '../shared/telemetry.ts';
import { wire } from '../shared/wiring.ts';

const { config, client, tables } = wire('follow-profiles');
const models = compiledModels(config.LEADSCORE_MODELS);
const scores = new ScoreStore(client, tables);
const index = new SearchIndex(client, tables);

/**
 * The leads stream's profile records (the stack's filter passes only these, their removals too): a changed profile
 * refits the lead's scores (fit moves score, grade and band), and the lead's search terms move to what the new
 * profile gives; a removed one (an erasure, a merge's loser) takes its terms with it. One consumer for both, since
 * DynamoDB Streams throttles a shard read by more than two. Records of one profile arrive in order; both steps are
 * safe to repeat. Failures are reported as the record's sequence number.
 */
async function followProfiles(event: DynamoDBStreamEvent): Promise<DynamoDBBatchResponse> {
  for (const record of event.Records) {
    const subject = subjectOf(record.dynamodb?.Keys?.pk?.S ?? '');
    if (subject?.kind !== 'lead') continue;
    const profile = (image: Record<string, AttributeValue> | undefined) =>
      image && itemOfImage<{ attributes?: Attributes }>(image);
    try {
      if (record.dynamodb?.NewImage) await refitLead(scores, models, subject.id, Date.now());
      const { deleted } = await index.follow(
        subject.id,
        profile(record.dynamodb?.OldImage),
        profile(record.dynamodb?.NewImage),
      );
      count('search.profile-indexed');
      if (deleted > 0) count('search.terms-deleted', deleted);
    } catch {
      count('profile.failed');
      return { batchItemFailures: [{ itemIdentifier: record.dynamodb!.SequenceNumber! }] };
    }
  }
  return { batchItemFailures: [] };
}

export const handler = lambdaHandler(followProfiles);
