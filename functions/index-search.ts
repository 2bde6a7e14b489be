import type { DynamoDBBatchResponse, DynamoDBRecord, DynamoDBStreamEvent } from 'aws-lambda';
import { labelOf, searchTermsOf } from '../shared/domain/label.ts';
import type { Attributes } from '../shared/domain/profile.ts';
import { lambdaHandler } from '../shared/lambda.ts';
import { PROFILE_SORT_KEY, subjectOf } from '../shared/store/keys.ts';
import { SearchIndex } from '../shared/store/search.ts';
import { itemOfImage } from '../shared/store/stream-image.ts';
import { count } from '../shared/telemetry.ts';
import { wire } from '../shared/wiring.ts';

const { client, tables } = wire('index-search');
const index = new SearchIndex(client, tables);

interface Image {
  entity?: string;
  attributes?: Attributes;
}

/**
 * The leads stream's records that change what finds a lead in the list's search (the stack's filters pass only
 * these): a profile's change moves the lead's terms to what its new image gives, its removal (an erasure, a merge's
 * loser) takes them all; a lead's first score makes it findable by its id; an erasure's or a merge's marker over a
 * score takes every term. Whatever was written before is read from the lead's list, so a change the stream gave up
 * on is mended by the next. Records of one item arrive in order. Failures are reported as the record's sequence
 * number.
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
  const [before, after] = [record.dynamodb?.OldImage, record.dynamodb?.NewImage].map((image) =>
    image ? itemOfImage<Image>(image) : undefined,
  );
  // From the key: a marker holds nothing but its key.
  const subject = subjectOf(record.dynamodb?.Keys?.pk?.S ?? '');
  if (subject?.kind !== 'lead') return;
  const leadId = subject.id;
  const terms = (p: Image | undefined) => (p ? searchTermsOf(leadId, labelOf(p.attributes)) : []);
  const listed = await index.termsOf(leadId);
  if (record.dynamodb?.Keys?.sk?.S === PROFILE_SORT_KEY) {
    const { deleted } = await index.rewrite(leadId, [...listed, ...terms(before)], terms(after));
    count('search.profile-indexed');
    if (deleted > 0) count('search.terms-deleted', deleted);
  } else if (after?.entity === 'score') {
    const id = searchTermsOf(leadId, {});
    if (id.every((t) => listed.includes(t))) return;
    await index.rewrite(leadId, listed, [...listed, ...id]);
    count('search.id-indexed');
  } else if (listed.length > 0) {
    // An erasure's or a merge's marker: the lead is no longer listed, and nothing of it stays in the index.
    await index.rewrite(leadId, listed, []);
    count('search.lead-removed');
  }
}

export const handler = lambdaHandler(indexSearch);
