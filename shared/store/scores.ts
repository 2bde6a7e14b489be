import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import {
  type DynamoDBDocumentClient,
  GetCommand,
  PutCommand,
  paginateQuery,
  QueryCommand,
} from '@aws-sdk/lib-dynamodb';
import type { Attributes } from '../domain/profile.ts';
import { stateFingerprint } from '../engine/codec.ts';
import { batchGet, batchWrite } from './batch.ts';
import { type Key, keys, scoreKeyOf } from './keys.ts';
import type { TableNames } from './tables.ts';

/** Why a score changed: shown in score history and in notifications. */
export interface Cause {
  kind: 'activity' | 'decay' | 'rescore' | 'profile';
  /** The activity that changed it (the last of its batch that did), for the record. */
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
  /** From the profile (shared/domain/label.ts labelOf), for the ranked list without a second read. */
  name?: string;
  email?: string;
  company?: string;
  title?: string;
  /** Why now: the rule that moved the score most in its last activity. */
  reason?: string;
  /** The rank index's keys: model and band, then score. */
  rankKey: string;
  rankScore: string;
  /** Present only while time alone will change the score: the sparse decay index's keys. */
  decayShard?: string | undefined;
  decayDueAt?: string | undefined;
}

/**
 * What the ranked list shows of a score, in the order it shows it: read by projection, so a page of 50 does not
 * carry each lead's engine state from DynamoDB to the function.
 */
const LISTED = [
  'leadId',
  'name',
  'email',
  'company',
  'title',
  'reason',
  'score',
  'grade',
  'band',
  'flags',
  'lastActivityAt',
  'updatedAt',
] as const;
export type ListedScore = Pick<ScoreItem, (typeof LISTED)[number]>;

/** What the projection reads for the list: the lead is in the key (storedScore). */
const LISTED_STORED = ['pk', 'sk', ...LISTED.filter((a) => a !== 'leadId')];

/** What the list shows of a score item read by projection (LISTED_STORED). */
function listedOf(item: Record<string, unknown>): ListedScore {
  const score = scoreOf(item);
  return Object.fromEntries(
    LISTED.flatMap((a) => (score[a] === undefined ? [] : [[a, score[a]]])),
  ) as unknown as ListedScore;
}

/** A rank index entry: the score's key and its place (also where a page of the index starts). */
export interface RankKey {
  pk: string;
  sk: string;
  rankKey: string;
  rankScore: string;
}

export interface LeadContext {
  leadId: string;
  attributes: Attributes | undefined;
  erased: boolean;
  /** Merged into another lead: its activities are scored there (a marker holds each of its score keys). */
  merged: boolean;
  scores: Map<string, ScoreItem>;
}

export class ScoreStore {
  private readonly client: DynamoDBDocumentClient;
  private readonly tables: TableNames;

  constructor(client: DynamoDBDocumentClient, tables: TableNames) {
    this.client = client;
    this.tables = tables;
  }

  /**
   * Everything scoring needs about a lead: its profile and a score (or marker) per model in one Query of the
   * lead's partition, from PROFILE to the last SCORE# key (nothing else of a lead sorts between them; a read unit
   * per 4 KB of both, where reading them by key costs a unit each), beside its tombstone.
   * - `strong`: both strongly consistent.
   * - `scoring`: profile and scores eventually consistent (half the read units), the tombstone strongly: every
   *   score write is conditional on the revision read, so a stale score only costs a retry, but a late activity
   *   that changes no score must still find its lead's erasure to be erased with it.
   * - `display`: both eventually consistent.
   */
  async context(
    leadId: string,
    models: string[],
    reads: 'strong' | 'scoring' | 'display' = 'strong',
  ): Promise<LeadContext> {
    const profile = keys.profile(leadId);
    const range = keys.scoringContext(leadId);
    const [own, tombstone] = await Promise.all([
      this.client.send(
        new QueryCommand({
          TableName: this.tables.leads,
          KeyConditionExpression: 'pk = :pk AND sk BETWEEN :from AND :to',
          ExpressionAttributeValues: { ':pk': range.pk, ':from': range.from, ':to': range.to },
          ConsistentRead: reads === 'strong',
        }),
      ),
      this.client.send(
        new GetCommand({
          TableName: this.tables.leads,
          Key: keys.erased({ kind: 'lead', id: leadId }),
          ConsistentRead: reads !== 'display',
        }),
      ),
    ]);
    const wanted = new Set(models.map((m) => keys.score(leadId, m).sk));
    const items = [
      ...(own.Items ?? []).filter((i) => i.sk === profile.sk || wanted.has(String(i.sk))),
      ...(tombstone.Item ? [tombstone.Item] : []),
    ];
    const scores = new Map<string, ScoreItem>();
    let attributes: Attributes | undefined;
    let erased = false;
    let merged = false;
    for (const item of items) {
      if (item.entity === 'score') {
        const score = scoreOf(item);
        scores.set(score.model, score);
      } else if (item.entity === 'profile') attributes = item.attributes as Attributes;
      else if (item.entity === 'erased') erased = true;
      else if (item.entity === 'merged') merged = true;
    }
    return { leadId, attributes, erased, merged, scores };
  }

  /**
   * The same for many leads at once (a dry run's page of leads): one batch read for all of them, eventually
   * consistent, since a replay compares with what is stored without writing.
   */
  async contexts(leadIds: string[], models: string[]): Promise<Map<string, LeadContext>> {
    const found = new Map<string, LeadContext>(
      leadIds.map((leadId) => [
        leadId,
        { leadId, attributes: undefined, erased: false, merged: false, scores: new Map() },
      ]),
    );
    // Tombstones are keyed by a hash of the id, so each item is matched back to its lead by its key.
    const owner = new Map<string, string>();
    const wanted = leadIds.flatMap((leadId) => {
      const own = [
        keys.profile(leadId),
        keys.erased({ kind: 'lead', id: leadId }),
        ...models.map((m) => keys.score(leadId, m)),
      ];
      for (const key of own) owner.set(`${key.pk}|${key.sk}`, leadId);
      return own;
    });
    for (const item of await batchGet(this.client, this.tables.leads, wanted)) {
      const context = found.get(owner.get(`${item.pk}|${item.sk}`) ?? '');
      if (!context) continue;
      if (item.entity === 'score') {
        const score = scoreOf(item);
        context.scores.set(score.model, score);
      } else if (item.entity === 'profile') context.attributes = item.attributes as Attributes;
      else if (item.entity === 'erased') context.erased = true;
      else if (item.entity === 'merged') context.merged = true;
    }
    return found;
  }

  /** Writes a score if nobody else wrote this lead's score since `expectedRev` was read; false on a conflict. */
  async put(item: ScoreItem, expectedRev: number | undefined): Promise<boolean> {
    try {
      await this.client.send(
        new PutCommand({
          TableName: this.tables.leads,
          Item: storedScore(item),
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
   * (a stream replay) writes the same item. History lives as long as activities do. A plain put: a change recorded
   * while its lead is being erased is removed when the erasure's own record reaches the same stream
   * (forgetHistory), which comes after every change of that score.
   */
  async recordHistory(before: ScoreItem | undefined, after: ScoreItem, retentionDays: number): Promise<void> {
    await this.client.send(
      new PutCommand({
        TableName: this.tables.leads,
        Item: {
          ...keys.history(after.leadId, after.updatedAt, after.model, after.rev),
          entity: 'history',
          leadId: after.leadId,
          model: after.model,
          rev: after.rev,
          at: after.updatedAt,
          // When the lead acted, which is not when the change was processed for a backfill or a late event.
          ...(after.lastActivityAt && { activityAt: after.lastActivityAt }),
          score: after.score,
          band: after.band,
          grade: after.grade,
          flags: after.flags,
          oldScore: before?.score ?? null,
          oldBand: before?.band ?? null,
          cause: after.cause,
          expiresAt: Math.floor(Date.parse(after.updatedAt) / 1000) + retentionDays * 86_400,
        },
      }),
    );
  }

  /** Deletes a lead's whole score history (an erasure's last step, run from the leads stream). */
  async forgetHistory(leadId: string): Promise<number> {
    let deleted = 0;
    const pages = paginateQuery(
      { client: this.client },
      {
        TableName: this.tables.leads,
        KeyConditionExpression: 'pk = :pk AND begins_with(sk, :hist)',
        ExpressionAttributeValues: { ':pk': keys.lead(leadId), ':hist': 'HIST#' },
        ProjectionExpression: 'pk, sk',
      },
    );
    for await (const page of pages) {
      const found = (page.Items ?? []) as Key[];
      await batchWrite(
        this.client,
        this.tables.leads,
        found.map((Key) => ({ DeleteRequest: { Key } })),
      );
      deleted += found.length;
    }
    return deleted;
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

  /**
   * The keys of a model and band's leads, highest score first, from the rank index (keys only, so a score write
   * moves its entry only when the score or band changes). `next` is where the band goes on.
   */
  async rankedKeys(model: string, band: string, limit: number, startKey?: Record<string, unknown>) {
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
    return { keys: (out.Items ?? []) as RankKey[], next: out.LastEvaluatedKey };
  }

  /** How many entries a model's band has, counted up to `cap` (a count reads every entry it counts). */
  async countRanked(model: string, band: string, cap: number): Promise<{ count: number; more: boolean }> {
    let count = 0;
    let startKey: Record<string, unknown> | undefined;
    do {
      const out = await this.client.send(
        new QueryCommand({
          TableName: this.tables.leads,
          IndexName: 'rank',
          KeyConditionExpression: 'rankKey = :key',
          ExpressionAttributeValues: { ':key': keys.rank(model, band) },
          Select: 'COUNT',
          Limit: cap - count,
          ExclusiveStartKey: startKey,
        }),
      );
      count += out.Count ?? 0;
      startKey = out.LastEvaluatedKey;
    } while (startKey && count < cap);
    return { count, more: startKey !== undefined };
  }

  /**
   * What the ranked list shows of the scores behind rank index keys, in the keys' order. A score that left its band
   * since the index was read is left out: it is listed under its new band.
   */
  async listedAt(rankKeys: RankKey[]): Promise<ListedScore[]> {
    const found = new Map(
      (
        await batchGet(
          this.client,
          this.tables.leads,
          rankKeys.map(({ pk, sk }) => ({ pk, sk })),
          { projection: ['entity', 'rankKey', ...LISTED_STORED] },
        )
      ).map((i) => [`${i.pk}|${i.sk}`, i]),
    );
    return rankKeys.flatMap((k) => {
      const item = found.get(`${k.pk}|${k.sk}`);
      if (item?.entity !== 'score' || item.rankKey !== k.rankKey) return [];
      return [listedOf(item)];
    });
  }

  /**
   * What the ranked list shows of these leads' scores under a model, with each one's place in the ranking, in no
   * order; a lead with no score under it is left out.
   */
  async listedFor(leadIds: string[], model: string): Promise<(ListedScore & { rankScore: string })[]> {
    const items = await batchGet(
      this.client,
      this.tables.leads,
      leadIds.map((id) => keys.score(id, model)),
      { projection: ['entity', 'rankScore', ...LISTED_STORED] },
    );
    return items.flatMap((item) => {
      if (item.entity !== 'score') return [];
      return [{ ...listedOf(item), rankScore: String(item.rankScore) }];
    });
  }

  /** The lead ids whose profile has this e-mail domain. */
  async contactsOf(domain: string): Promise<string[]> {
    const ids: string[] = [];
    const pages = paginateQuery(
      { client: this.client },
      {
        TableName: this.tables.leads,
        IndexName: 'account',
        KeyConditionExpression: 'accountKey = :key',
        ExpressionAttributeValues: { ':key': keys.account(domain) },
      },
    );
    for await (const page of pages) {
      ids.push(...(page.Items ?? []).map((i) => String(i.pk).slice('LEAD#'.length)));
      if (ids.length >= 1000) break;
    }
    return ids;
  }

  /**
   * One page of a decay shard's scores due by `due` (ISO), oldest first: the keys from the index, then the scores
   * themselves, read consistently (the sweep's write is conditional on the revision it read). A score that moved
   * on since its index entry was read (no longer due) is left out.
   */
  async due(
    shard: string,
    due: string,
    startKey?: Record<string, unknown>,
  ): Promise<{ items: ScoreItem[]; entries: number; next?: Record<string, unknown> }> {
    const out = await this.client.send(
      new QueryCommand({
        TableName: this.tables.leads,
        IndexName: 'decay',
        KeyConditionExpression: 'decayShard = :shard AND decayDueAt <= :due',
        ExpressionAttributeValues: { ':shard': shard, ':due': due },
        ExclusiveStartKey: startKey,
        Limit: 100,
      }),
    );
    const wanted = (out.Items ?? []).map((i) => ({ pk: String(i.pk), sk: String(i.sk) }));
    const items = (await batchGet(this.client, this.tables.leads, wanted, { consistent: true }))
      .filter((i) => i.entity === 'score' && typeof i.decayDueAt === 'string' && i.decayDueAt <= due)
      .map(scoreOf)
      .sort((a, b) => (a.decayDueAt! < b.decayDueAt! ? -1 : a.decayDueAt! > b.decayDueAt! ? 1 : 0));
    return { items, entries: wanted.length, ...(out.LastEvaluatedKey && { next: out.LastEvaluatedKey }) };
  }
}

/** Whether a score write changed what anyone can see (score, band or flags): what history records. */
export function isVisibleChange(before: ScoreItem | undefined, after: ScoreItem): boolean {
  return (
    !before ||
    before.score !== after.score ||
    before.band !== after.band ||
    before.flags.join() !== after.flags.join()
  );
}

/**
 * A score item as stored: what its key and its state already say is not stored again (the lead, the model, the
 * model's fingerprint), nor empty lists, and its times are epoch milliseconds, not ISO strings. Every byte of a
 * score is paid for on each write (a write unit per started kilobyte): these are some 90 bytes of each.
 */
export function storedScore(item: ScoreItem): Record<string, unknown> {
  const { leadId: _lead, model: _model, fingerprint: _fingerprint, flags, fitRules, ...rest } = item;
  return {
    ...rest,
    ...(flags.length > 0 && { flags }),
    ...(fitRules.length > 0 && { fitRules }),
    updatedAt: Date.parse(item.updatedAt),
    ...(item.lastActivityAt !== undefined && { lastActivityAt: Date.parse(item.lastActivityAt) }),
  };
}

/**
 * A score item as the table or a stream image gives it: in storedScore's form, or whole as it was stored before
 * (DynamoDB hands binary back as Uint8Array already).
 */
export function scoreOf(stored: object): ScoreItem {
  const item = stored as unknown as ScoreItem;
  const key = scoreKeyOf(item);
  return {
    ...item,
    leadId: key.leadId,
    model: key.model,
    ...(item.state !== undefined && { fingerprint: item.fingerprint ?? stateFingerprint(item.state) }),
    flags: item.flags ?? [],
    fitRules: item.fitRules ?? [],
    ...(item.updatedAt !== undefined && { updatedAt: isoTime(item.updatedAt) }),
    ...(item.lastActivityAt !== undefined && { lastActivityAt: isoTime(item.lastActivityAt) }),
  };
}

function isoTime(stored: string | number): string {
  return typeof stored === 'number' ? new Date(stored).toISOString() : stored;
}
