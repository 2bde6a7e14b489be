import { type DynamoDBDocumentClient, GetCommand, QueryCommand } from '@aws-sdk/lib-dynamodb';
import { labelOf, searchTermsOf } from '../domain/label.ts';
import type { Attributes } from '../domain/profile.ts';
import { batchWrite } from './batch.ts';
import { keys } from './keys.ts';
import type { TableNames } from './tables.ts';

/** What the index reads of a profile. */
type Profile = { attributes?: Attributes | undefined };

/** The search terms a lead's profile gives; none without a profile. */
export function termsOfProfile(leadId: string, profile: Profile | undefined): string[] {
  return profile ? searchTermsOf(leadId, labelOf(profile.attributes)) : [];
}

/** A search term item, in the search table (no stream, no index). */
export function searchTermItem(term: string, leadId: string): Record<string, unknown> {
  return { ...keys.searchTerm(term, leadId), entity: 'searchTerm', leadId };
}

/**
 * The list's search index, in the search table: an item per term of each lead (shared/domain/label.ts
 * searchTermsOf), kept by follow-profiles from the leads stream, and per lead a list of the terms written for it (so
 * an erasure finds them). A search reads the terms that start with what was typed, in term order.
 */
export class SearchIndex {
  private readonly client: DynamoDBDocumentClient;
  private readonly tables: TableNames;

  constructor(client: DynamoDBDocumentClient, tables: TableNames) {
    this.client = client;
    this.tables = tables;
  }

  /**
   * The leads with a term starting with `prefix`, at most `max` of them (the first found, in term order), and
   * whether there were more. Eventually consistent: a profile changed a second ago may not be found yet.
   */
  async find(prefix: string, max: number): Promise<{ leadIds: Set<string>; more: boolean }> {
    const found = new Set<string>();
    let startKey: Record<string, unknown> | undefined;
    do {
      const out = await this.client.send(
        new QueryCommand({
          TableName: this.tables.search,
          // The same range as begins_with(sk, :prefix) (no character sorts after U+10FFFF in DynamoDB's UTF-8 byte
          // order), which DynamoDB Local reads some five times faster: 5 ms, not 30, among 60,000 terms.
          KeyConditionExpression: 'pk = :pk AND sk BETWEEN :prefix AND :end',
          ExpressionAttributeValues: {
            ':pk': keys.searchPartition(prefix),
            ':prefix': prefix,
            ':end': `${prefix}\u{10FFFF}`,
          },
          ProjectionExpression: 'leadId',
          // A lead has a few terms: read a little past `max` so that a lead found twice still leaves `max` leads.
          Limit: max + 25,
          ExclusiveStartKey: startKey,
        }),
      );
      for (const item of out.Items ?? []) {
        const leadId = String(item.leadId);
        if (found.has(leadId)) continue;
        if (found.size === max) return { leadIds: found, more: true };
        found.add(leadId);
      }
      startKey = out.LastEvaluatedKey;
    } while (startKey);
    return { leadIds: found, more: false };
  }

  /**
   * A lead's profile changed from `before` to `after` (either absent: written, or removed): its terms move to what
   * `after` gives. What was written before is read from the lead's list as well as `before`, so a change the stream
   * gave up on is mended by the next.
   */
  async follow(
    leadId: string,
    before: Profile | undefined,
    after: Profile | undefined,
  ): Promise<{ deleted: number }> {
    const listed = await this.termsOf(leadId);
    return this.rewrite(
      leadId,
      [...listed, ...termsOfProfile(leadId, before)],
      termsOfProfile(leadId, after),
    );
  }

  /** The terms the lead's list says follow-profiles wrote for it (strongly consistent: a rewrite follows). */
  async termsOf(leadId: string): Promise<string[]> {
    const out = await this.client.send(
      new GetCommand({ TableName: this.tables.search, Key: keys.searchTerms(leadId), ConsistentRead: true }),
    );
    return (out.Item?.terms as string[] | undefined) ?? [];
  }

  /**
   * Makes `after` the lead's terms: puts each (a put of a term already there changes nothing, and restores one a
   * failed write lost) and deletes each of `before` that `after` lacks. The list names every term written at every
   * step: first all of `before` and `after`, then, once the terms are written, `after` (no list when it is empty).
   * Safe to repeat.
   */
  async rewrite(leadId: string, before: string[], after: string[]): Promise<{ deleted: number }> {
    const keep = new Set(after);
    const gone = [...new Set(before)].filter((t) => !keep.has(t));
    if (keep.size === 0 && gone.length === 0) return { deleted: 0 };
    const list = (terms: string[]) => ({
      PutRequest: {
        Item: { ...keys.searchTerms(leadId), entity: 'searchTerms', leadId, terms: terms.sort() },
      },
    });
    if (keep.size > 0) await batchWrite(this.client, this.tables.search, [list([...keep, ...gone])]);
    await batchWrite(this.client, this.tables.search, [
      ...[...keep].map((t) => ({ PutRequest: { Item: searchTermItem(t, leadId) } })),
      ...gone.map((t) => ({ DeleteRequest: { Key: keys.searchTerm(t, leadId) } })),
    ]);
    if (keep.size === 0)
      await batchWrite(this.client, this.tables.search, [
        { DeleteRequest: { Key: keys.searchTerms(leadId) } },
      ]);
    else if (gone.length > 0) await batchWrite(this.client, this.tables.search, [list([...keep])]);
    return { deleted: gone.length };
  }
}
