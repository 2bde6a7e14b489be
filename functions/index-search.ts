import type { DynamoDBBatchResponse, DynamoDBStreamEvent } from 'aws-lambda';
import { labelOf, searchTermsOf } from '../shared/domain/label.ts';
import type { Attributes } from '../shared/domain/profile.ts';
import { lambdaHandler } from '../shared/lambda.ts';
import { SearchIndex } from '../shared/store/search.ts';
import { itemOfImage } from '../shared/store/stream-image.ts';
import { count } from '../shared/telemetry.ts';
import { wire } from '../shared/wiring.ts';

const { client, tables } = wire('index-search');
const index = new SearchIndex(client, tables);

interface ProfileImage {
  entity?: string;
  leadId: string;
  attributes?: Attributes;
}

/**
 * The leads stream's profile changes, each as its old and new image: the lead's search terms move from what the
 * old profile gave to what the new one gives. A profile that goes (an erasure, a merge's loser) takes its terms
 * with it. Records of one profile arrive in order, and each rewrite is safe to repeat. Failures are reported as
 * the record's sequence number.
 */
async function indexSearch(event: DynamoDBStreamEvent): Promise<DynamoDBBatchResponse> {
  for (const record of event.Records) {
    const [before, after] = [record.dynamodb?.OldImage, record.dynamodb?.NewImage].map((image) =>
      image ? itemOfImage<ProfileImage>(image) : undefined,
    );
    const profile = after ?? before;
    if (profile?.entity !== 'profile') continue;
    const terms = (p: ProfileImage | undefined) =>
      p?.entity === 'profile' ? searchTermsOf(p.leadId, labelOf(p.attributes)) : [];
    try {
      const { put, deleted } = await index.rewrite(profile.leadId, terms(before), terms(after));
      if (put > 0) count('search.terms-put', put);
      if (deleted > 0) count('search.terms-deleted', deleted);
    } catch {
      count('search.failed');
      return { batchItemFailures: [{ itemIdentifier: record.dynamodb!.SequenceNumber! }] };
    }
  }
  return { batchItemFailures: [] };
}

export const handler = lambdaHandler(indexSearch);
