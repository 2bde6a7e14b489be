import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import {
  type DynamoDBDocumentClient,
  GetCommand,
  PutCommand,
  paginateQuery,
  QueryCommand,
  UpdateCommand,
} from '@aws-sdk/lib-dynamodb';
import type { Attributes } from '../domain/profile.ts';
import { batchWrite } from './batch.ts';
import type { TableNames } from './dynamo.ts';
import { keys, type Subject } from './keys.ts';

export interface ProfileItem {
  pk: string;
  sk: 'PROFILE';
  entity: 'profile';
  leadId: string;
  attributes: Attributes;
  createdAt: string;
  updatedAt: string;
}

export type Outcome = 'converted' | 'won' | 'lost';

/** Profiles, outcomes, aliases, erasure tombstones and API keys: the leads table, behind one small class. */
export class LeadDirectory {
  private readonly client: DynamoDBDocumentClient;
  private readonly tables: TableNames;

  constructor(client: DynamoDBDocumentClient, tables: TableNames) {
    this.client = client;
    this.tables = tables;
  }

  async profile(leadId: string): Promise<ProfileItem | undefined> {
    const out = await this.client.send(
      new GetCommand({ TableName: this.tables.leads, Key: keys.profile(leadId) }),
    );
    return out.Item as ProfileItem | undefined;
  }

  /** Sets the given attributes (null removes one) and leaves the others; creates the profile on first use. */
  async setAttributes(
    leadId: string,
    attributes: Record<string, unknown>,
    nowMs: number,
  ): Promise<ProfileItem> {
    const now = new Date(nowMs).toISOString();
    const names: Record<string, string> = {
      '#a': 'attributes',
      '#c': 'createdAt',
      '#u': 'updatedAt',
      '#l': 'leadId',
      '#e': 'entity',
      '#k': 'accountKey',
    };
    const values: Record<string, unknown> = { ':now': now, ':lead': leadId, ':entity': 'profile' };
    const current = await this.profile(leadId);
    // A map attribute must exist before its members can be set: merge in memory, guarded by the version we read.
    const merged: Record<string, unknown> = { ...(current?.attributes ?? {}) };
    for (const [name, value] of Object.entries(attributes)) {
      if (value === null) delete merged[name];
      else merged[name] = value;
    }
    values[':attrs'] = merged;
    values[':seen'] = current?.updatedAt ?? '';
    const domain = typeof merged.emailDomain === 'string' ? merged.emailDomain : undefined;
    if (domain) values[':account'] = keys.account(domain);
    try {
      const out = await this.client.send(
        new UpdateCommand({
          TableName: this.tables.leads,
          Key: keys.profile(leadId),
          // accountKey puts the profile in the account index under its e-mail domain (or takes it out).
          UpdateExpression: `SET #a = :attrs, #u = :now, #l = :lead, #e = :entity, #c = if_not_exists(#c, :now)${domain ? ', #k = :account' : ' REMOVE #k'}`,
          ConditionExpression: 'attribute_not_exists(#u) OR #u = :seen',
          ExpressionAttributeNames: names,
          ExpressionAttributeValues: values,
          ReturnValues: 'ALL_NEW',
        }),
      );
      return out.Attributes as ProfileItem;
    } catch (error) {
      // Another writer got there first: read again and merge onto theirs.
      if (error instanceof ConditionalCheckFailedException)
        return this.setAttributes(leadId, attributes, nowMs);
      throw error;
    }
  }

  async removeProfile(leadId: string): Promise<void> {
    await this.delete([keys.profile(leadId)]);
  }

  async addOutcome(
    leadId: string,
    outcome: Outcome,
    occurredAt: string,
    outcomeId: string,
    value: number | undefined,
  ): Promise<boolean> {
    try {
      await this.client.send(
        new PutCommand({
          TableName: this.tables.leads,
          Item: {
            ...keys.outcome(leadId, occurredAt, outcomeId),
            entity: 'outcome',
            leadId,
            outcome,
            occurredAt,
            outcomeId,
            value,
          },
          ConditionExpression: 'attribute_not_exists(pk)',
        }),
      );
      return true;
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException) return false;
      throw error;
    }
  }

  /** Points an anonymous id (or a merged-away lead id) at a lead, and records the reverse under the lead. */
  async alias(from: Subject, leadId: string, nowMs: number): Promise<void> {
    const at = new Date(nowMs).toISOString();
    await this.write([
      { ...keys.alias(from), entity: 'alias', from: from.id, fromKind: from.kind, leadId, at },
      { ...keys.aliasOf(leadId, from), entity: 'aliasOf', from: from.id, fromKind: from.kind, leadId, at },
    ]);
  }

  async aliasTarget(from: Subject): Promise<string | undefined> {
    const out = await this.client.send(
      new GetCommand({ TableName: this.tables.leads, Key: keys.alias(from) }),
    );
    return out.Item?.leadId as string | undefined;
  }

  /** Every item stored under the lead in the leads table (profile, outcomes, reverse aliases, scores). */
  /** The lead's outcomes only (a key-condition query: its score history is not read). */
  async outcomesOf(leadId: string): Promise<Record<string, unknown>[]> {
    const out = await this.client.send(
      new QueryCommand({
        TableName: this.tables.leads,
        KeyConditionExpression: 'pk = :pk AND begins_with(sk, :outcome)',
        ExpressionAttributeValues: { ':pk': keys.lead(leadId), ':outcome': 'OUTCOME#' },
      }),
    );
    return out.Items ?? [];
  }

  async itemsOf(leadId: string): Promise<Record<string, unknown>[]> {
    const items: Record<string, unknown>[] = [];
    const pages = paginateQuery(
      { client: this.client },
      {
        TableName: this.tables.leads,
        KeyConditionExpression: 'pk = :pk',
        ExpressionAttributeValues: { ':pk': keys.lead(leadId) },
      },
    );
    for await (const page of pages) items.push(...(page.Items ?? []));
    return items;
  }

  /**
   * Marks the lead erased first (so late events are dropped from now on), then deletes its items and aliases.
   * Each model's score item is replaced by a marker holding nothing but its key, so a score write already in
   * flight fails its condition instead of bringing the lead back; markers expire after a day.
   */
  async erase(
    leadId: string,
    models: string[],
    nowMs: number,
  ): Promise<{ items: number; aliases: Subject[] }> {
    await this.client.send(
      new PutCommand({
        TableName: this.tables.leads,
        Item: { ...keys.erased(leadId), entity: 'erased', leadId, at: new Date(nowMs).toISOString() },
      }),
    );
    const expiresAt = Math.floor(nowMs / 1000) + 86_400;
    await this.write(models.map((model) => ({ ...keys.score(leadId, model), entity: 'erased', expiresAt })));
    const items = (await this.itemsOf(leadId)) as {
      pk: string;
      sk: string;
      entity?: string;
      from?: string;
      fromKind?: string;
    }[];
    const aliases = items
      .filter((i) => i.entity === 'aliasOf')
      .map((i) => ({ kind: i.fromKind === 'lead' ? 'lead' : 'anonymous', id: String(i.from) }) as Subject);
    await this.delete([...items.filter((i) => i.entity !== 'erased'), ...aliases.map((a) => keys.alias(a))]);
    return { items: items.filter((i) => i.entity !== 'erased').length, aliases };
  }

  async isErased(leadId: string): Promise<boolean> {
    const out = await this.client.send(
      new GetCommand({ TableName: this.tables.leads, Key: keys.erased(leadId) }),
    );
    return out.Item !== undefined;
  }

  async putApiKey(hash: string, name: string, nowMs: number): Promise<void> {
    await this.client.send(
      new PutCommand({
        TableName: this.tables.leads,
        Item: { ...keys.apiKey(hash), entity: 'apiKey', name, createdAt: new Date(nowMs).toISOString() },
      }),
    );
  }

  async apiKey(hash: string): Promise<{ name: string } | undefined> {
    const out = await this.client.send(
      new GetCommand({ TableName: this.tables.leads, Key: keys.apiKey(hash) }),
    );
    return out.Item as { name: string } | undefined;
  }

  private async write(items: Record<string, unknown>[]): Promise<void> {
    await batchWrite(
      this.client,
      this.tables.leads,
      items.map((Item) => ({ PutRequest: { Item } })),
    );
  }

  private async delete(items: { pk: string; sk: string }[]): Promise<void> {
    await batchWrite(
      this.client,
      this.tables.leads,
      items.map(({ pk, sk }) => ({ DeleteRequest: { Key: { pk, sk } } })),
    );
  }
}
