import { ConditionalCheckFailedException, TransactionCanceledException } from '@aws-sdk/client-dynamodb';
import {
  type DynamoDBDocumentClient,
  PutCommand,
  QueryCommand,
  TransactWriteCommand,
} from '@aws-sdk/lib-dynamodb';
import type { Attributes } from '../domain/profile.ts';
import { batchGet } from './batch.ts';
import type { TableNames } from './dynamo.ts';
import { keys } from './keys.ts';

/** Why a score changed: shown in score history and in notifications. */
export interface Cause {
  kind: 'activity' | 'decay' | 'rescore' | 'profile';
  /** The activities that changed it (at most a few, for the record). */
  eventIds?: string[];
}

/** A lead's score under one model, with the engine state it came from. */
export interface ScoreItem {
  pk: string;
  sk: string;
  entity: 'score';
  leadId: string;
  model: string;
  version: number;
  fingerprint: number;
  /** The engine's incremental state (shared/engine/codec.ts). */
  state: Uint8Array;
  score: number;
  behaviour: number;
  fit: number;
  grade: string;
  band: string;
  flags: string[];
  /** Fit rules that matched, so the decay sweep can rescore without reading the profile. */
  fitRules: string[];
  lastActivityAt?: string | undefined;
  /** Optimistic version: every write expects the one it read. */
  rev: number;
  updatedAt: string;
  cause: Cause;
  /** The rank index's keys: model and band, then score. */
  rankKey: string;
  rankScore: string;
  /** Present only while time alone will change the score: the sparse decay index's keys. */
  decayShard?: string | undefined;
  decayDueAt?: string | undefined;
}

export interface LeadContext {
  leadId: string;
  attributes: Attributes | undefined;
  erased: boolean;
  scores: Map<string, ScoreItem>;
}

export class ScoreStore {
  private readonly client: DynamoDBDocumentClient;
  private readonly tables: TableNames;

  constructor(client: DynamoDBDocumentClient, tables: TableNames) {
    this.client = client;
    this.tables = tables;
  }

  /** Everything scoring needs about a lead, in one batch read: profile, erasure tombstone, a score per model. */
  async context(leadId: string, models: string[]): Promise<LeadContext> {
    const wanted = [keys.profile(leadId), keys.erased(leadId), ...models.map((m) => keys.score(leadId, m))];
    const items = await batchGet(this.client, this.tables.leads, wanted, { consistent: true });
    const scores = new Map<string, ScoreItem>();
    let attributes: Attributes | undefined;
    let erased = false;
    for (const item of items) {
      if (item.entity === 'score') scores.set(String(item.model), normalise(item as unknown as ScoreItem));
      else if (item.entity === 'profile') attributes = item.attributes as Attributes;
      else if (item.entity === 'erased') erased = true;
    }
    return { leadId, attributes, erased, scores };
  }

  /** Writes a score if nobody else wrote this lead's score since `expectedRev` was read; false on a conflict. */
  async put(item: ScoreItem, expectedRev: number | undefined): Promise<boolean> {
    try {
      await this.client.send(
        new PutCommand({
          TableName: this.tables.leads,
          Item: item,
          ConditionExpression: expectedRev === undefined ? 'attribute_not_exists(pk)' : 'rev = :rev',
          ...(expectedRev !== undefined && { ExpressionAttributeValues: { ':rev': expectedRev } }),
        }),
      );
      return true;
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException) return false;
      throw error;
    }
  }

  /**
   * Records a committed score change in the lead's history, keyed by the change itself, so recording it again
   * (a stream replay) writes the same item. History lives as long as activities do.
   */
  async recordHistory(before: ScoreItem | undefined, after: ScoreItem, retentionDays: number): Promise<void> {
    // In one transaction with a check that the lead was not erased meanwhile: history never outlives an erasure.
    try {
      await this.client.send(
        new TransactWriteCommand({
          TransactItems: [
            {
              ConditionCheck: {
                TableName: this.tables.leads,
                Key: keys.erased(after.leadId),
                ConditionExpression: 'attribute_not_exists(pk)',
              },
            },
            {
              Put: {
                TableName: this.tables.leads,
                Item: {
                  ...keys.history(after.leadId, after.updatedAt, after.model, after.rev),
                  entity: 'history',
                  leadId: after.leadId,
                  model: after.model,
                  rev: after.rev,
                  at: after.updatedAt,
                  score: after.score,
                  band: after.band,
                  grade: after.grade,
                  flags: after.flags,
                  oldScore: before?.score ?? null,
                  oldBand: before?.band ?? null,
                  cause: after.cause,
                  expiresAt: Math.floor(Date.parse(after.updatedAt) / 1000) + retentionDays * 86_400,
                },
              },
            },
          ],
        }),
      );
    } catch (error) {
      if (
        error instanceof TransactionCanceledException &&
        error.CancellationReasons?.[0]?.Code === 'ConditionalCheckFailed'
      )
        return;
      throw error;
    }
  }

  async history(
    leadId: string,
    model: string | undefined,
    limit: number,
  ): Promise<Record<string, unknown>[]> {
    const out = await this.client.send(
      new QueryCommand({
        TableName: this.tables.leads,
        KeyConditionExpression: 'pk = :pk AND begins_with(sk, :hist)',
        ...(model && { FilterExpression: 'model = :model' }),
        ExpressionAttributeValues: {
          ':pk': keys.lead(leadId),
          ':hist': 'HIST#',
          ...(model && { ':model': model }),
        },
        ScanIndexForward: false,
        Limit: limit,
      }),
    );
    return out.Items ?? [];
  }

  /** One page of a model and band's leads, highest score first. */
  async ranked(model: string, band: string, limit: number, startKey?: Record<string, unknown>) {
    const out = await this.client.send(
      new QueryCommand({
        TableName: this.tables.leads,
        IndexName: 'rank',
        KeyConditionExpression: 'rankKey = :key',
        ExpressionAttributeValues: { ':key': keys.rank(model, band) },
        ScanIndexForward: false,
        Limit: limit,
        ExclusiveStartKey: startKey,
      }),
    );
    return { items: out.Items ?? [], next: out.LastEvaluatedKey };
  }

  /** The lead ids whose profile has this e-mail domain. */
  async contactsOf(domain: string): Promise<string[]> {
    const ids: string[] = [];
    let start: Record<string, unknown> | undefined;
    do {
      const out = await this.client.send(
        new QueryCommand({
          TableName: this.tables.leads,
          IndexName: 'account',
          KeyConditionExpression: 'accountKey = :key',
          ExpressionAttributeValues: { ':key': keys.account(domain) },
          ExclusiveStartKey: start,
        }),
      );
      ids.push(...(out.Items ?? []).map((i) => String(i.pk).slice('LEAD#'.length)));
      start = out.LastEvaluatedKey;
    } while (start && ids.length < 1000);
    return ids;
  }

  /** One page of a decay shard's scores due by `due` (ISO), oldest first. */
  async due(
    shard: string,
    due: string,
    startKey?: Record<string, unknown>,
  ): Promise<{ items: ScoreItem[]; next?: Record<string, unknown> }> {
    const out = await this.client.send(
      new QueryCommand({
        TableName: this.tables.leads,
        IndexName: 'decay',
        KeyConditionExpression: 'decayShard = :shard AND decayDueAt <= :due',
        ExpressionAttributeValues: { ':shard': shard, ':due': due },
        ExclusiveStartKey: startKey,
        Limit: 200,
      }),
    );
    return {
      items: (out.Items ?? []).map((i) => normalise(i as ScoreItem)),
      ...(out.LastEvaluatedKey && { next: out.LastEvaluatedKey }),
    };
  }
}

/** DynamoDB hands binary back as Uint8Array already; lists may come back empty as undefined. */
function normalise(item: ScoreItem): ScoreItem {
  return { ...item, flags: item.flags ?? [], fitRules: item.fitRules ?? [] };
}
