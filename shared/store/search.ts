import { type DynamoDBDocumentClient, QueryCommand } from '@aws-sdk/lib-dynamodb';
import { batchWrite } from './batch.ts';
import type { TableNames } from './dynamo.ts';
import { keys } from './keys.ts';

/** A search term item: small, in no index, and of no interest to any stream consumer. */
export function searchTermItem(term: string, leadId: string): Record<string, unknown> {
  return { ...keys.searchTerm(term, leadId), entity: 'searchTerm', leadId };
}

/**
 * The list's search index: an item per term of each lead's profile (shared/domain/label.ts searchTermsOf), kept
 * by index-search as profiles change. A search reads the terms that start with what was typed, in term order.
 */
export class SearchIndex {
  private readonly client: DynamoDBDocumentClient;
  private readonly tables: TableNames;

  constructor(client: DynamoDBDocumentClient, tables: TableNames) {
    this.client = client;
    this.tables = tables;
  }

  /**
   * The leads with a term starting with `prefix`, at most `max` of them (in term order: the first `max` terms
   * found), and whether there were more. Eventually consistent: a profile changed a second ago may not be found yet.
   */
  async find(prefix: string, max: number): Promise<{ leadIds: string[]; more: boolean }> {
    const found = new Set<string>();
    let startKey: Record<string, unknown> | undefined;
    do {
      const out = await this.client.send(
        new QueryCommand({
          TableName: this.tables.leads,
          KeyConditionExpression: 'pk = :pk AND begins_with(sk, :prefix)',
          ExpressionAttributeValues: { ':pk': keys.searchPartition(prefix), ':prefix': prefix },
          ProjectionExpression: 'leadId',
          // A lead has a few terms: read a little past `max` so that a lead found twice still leaves `max` leads.
          Limit: max + 25,
          ExclusiveStartKey: startKey,
        }),
      );
      for (const item of out.Items ?? []) {
        if (found.size === max) return { leadIds: [...found], more: true };
        found.add(String(item.leadId));
      }
      startKey = out.LastEvaluatedKey;
    } while (startKey);
    return { leadIds: [...found], more: false };
  }

  /** Moves a lead's terms from `before` to `after`: puts what is new, deletes what is gone. Safe to repeat. */
  async rewrite(
    leadId: string,
    before: string[],
    after: string[],
  ): Promise<{ put: number; deleted: number }> {
    const had = new Set(before);
    const keep = new Set(after);
    const added = after.filter((t) => !had.has(t));
    const gone = before.filter((t) => !keep.has(t));
    await batchWrite(this.client, this.tables.leads, [
      ...added.map((t) => ({ PutRequest: { Item: searchTermItem(t, leadId) } })),
      ...gone.map((t) => ({ DeleteRequest: { Key: keys.searchTerm(t, leadId) } })),
    ]);
    return { put: added.length, deleted: gone.length };
  }
}
