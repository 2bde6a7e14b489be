import type { AttributeValue, DynamoDBBatchResponse, DynamoDBRecord, DynamoDBStreamEvent } from 'aws-lambda';
import { labelOf, searchTermsOf } from '../shared/domain/label.ts';
import type { Attributes } from '../shared/domain/profile.ts';
import { lambdaHandler } from '../shared/lambda.ts';
import { subjectOf } from '../shared/store/keys.ts';
import { SearchIndex } from '../shared/store/search.ts';
import { itemOfImage } from '../shared/store/stream-image.ts';
import { count } from '../shared/telemetry.ts';
import { wire } from '../shared/wiring.ts';

const { client, tables } = wire('index-search');
const index = new SearchIndex(client, tables);

/**
 * The leads stream's profile records (the stack's filter passes only these): the lead's search terms move to what
 * the new profile gives, and a profile's removal (an erasure, a merge's loser) takes them all. What was written
 * before is read from the lead's list as well as the old image, so a change the stream gave up on is mended by the
 * next. Records of one profile arrive in order. Failures are reported as the record's sequence number.
 */
async function indexSearch(event: DynamoDBStreamEvent): Promise<DynamoDBBatchResponse> {
  for (const record of event.Records) {
    try {
      await reindex(record);
    } catch {
      count('search.failed');
      return { batchItemFailures: [{ itemIdentifier: record.dynamodb!.SequenceNumber! }] };
    }
  }
  return { batchItemFailures: [] };
}

async function reindex(record: DynamoDBRecord): Promise<void> {
  const subject = subjectOf(record.dynamodb?.Keys?.pk?.S ?? '');
  if (subject?.kind !== 'lead') return;
  const leadId = subject.id;
  const terms = (image: Record<string, AttributeValue> | undefined) =>
    image ? searchTermsOf(leadId, labelOf(itemOfImage<{ attributes?: Attributes }>(image).attributes)) : [];
  const listed = await index.termsOf(leadId);
  const { deleted } = await index.rewrite(
    leadId,
    [...listed, ...terms(record.dynamodb?.OldImage)],
    terms(record.dynamodb?.NewImage),
  );
  count('search.profile-indexed');
  if (deleted > 0) count('search.terms-deleted', deleted);
}

export const handler = lambdaHandler(indexSearch);
