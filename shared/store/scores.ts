import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import {
  BatchGetCommand,
  type DynamoDBDocumentClient,
  PutCommand,
  QueryCommand,
} from '@aws-sdk/lib-dynamodb';
import type { Attributes } from '../domain/profile.ts';
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
    const items: Record<string, unknown>[] = [];
    let request: Record<string, unknown>[] | undefined = wanted.map((k) => ({ ...k }));
    for (let attempt = 0; request && request.length > 0; attempt++) {
      if (attempt > 0) await new Promise((r) => setTimeout(r, Math.min(1000, 50 * 2 ** attempt)));
      const out = await this.client.send(
        new BatchGetCommand({
          RequestItems: { [this.tables.leads]: { Keys: request, ConsistentRead: true } },
        }),
      );
      items.push(...(out.Responses?.[this.tables.leads] ?? []));
      request = out.UnprocessedKeys?.[this.tables.leads]?.Keys as Record<string, unknown>[] | undefined;
    }
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
