import {
  type DynamoDBDocumentClient,
  GetCommand,
  PutCommand,
  paginateQuery,
  QueryCommand,
  TransactWriteCommand,
} from '@aws-sdk/lib-dynamodb';
import type { Attributes } from '../domain/profile.ts';
import { batchWrite } from './batch.ts';
import { IdentityConflict, LeadErased, LeadMoved, OutcomeConflict, UnknownLead } from './errors.ts';
import { resolveSubjects } from './identity.ts';
import { type Key, keys, type Subject } from './keys.ts';
import { SearchIndex, termsOfProfile } from './search.ts';
import type { TableNames } from './tables.ts';
import { cancellationReasons } from './transactions.ts';

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

export interface OutcomeRecord {
  outcomeId: string;
  outcome: Outcome;
  /** As an instant in UTC (toISOString), whatever spelling it came in. */
  occurredAt: string;
  value?: number | undefined;
}

/** An item under a lead, as read back. */
interface StoredItem {
  pk: string;
  sk: string;
  entity?: string;
  from?: string;
  fromKind?: string;
}

/** What a merge takes from the merged-away lead (its scores become markers; its ledger moves on its own). */
const MOVED_ON_MERGE = new Set(['profile', 'outcome', 'aliasOf', 'history']);

function subjectOfLink(link: StoredItem): Subject {
  return { kind: link.fromKind === 'lead' ? 'lead' : 'anonymous', id: String(link.from) };
}

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
      await this.client.send(
        new TransactWriteCommand({
          TransactItems: [
            {
              Update: {
                TableName: this.tables.leads,
                Key: keys.profile(leadId),
                // accountKey puts the profile in the account index under its e-mail domain (or takes it out).
                UpdateExpression: `SET #a = :attrs, #u = :now, #l = :lead, #e = :entity, #c = if_not_exists(#c, :now)${domain ? ', #k = :account' : ' REMOVE #k'}`,
                ConditionExpression: 'attribute_not_exists(#u) OR #u = :seen',
                ExpressionAttributeNames: names,
                ExpressionAttributeValues: values,
              },
            },
            ...this.stillLive(leadId),
          ],
        }),
      );
      return {
        ...keys.profile(leadId),
        sk: 'PROFILE',
        entity: 'profile',
        leadId,
        attributes: merged as Attributes,
        createdAt: current?.createdAt ?? now,
        updatedAt: now,
      };
    } catch (error) {
      const [profile, erased, movedAway] = cancellationReasons(error);
      if (erased === 'ConditionalCheckFailed') throw new LeadErased(leadId);
      if (movedAway === 'ConditionalCheckFailed') throw new LeadMoved(leadId);
      // Another writer got there first: read again and merge onto theirs.
      if (profile === 'ConditionalCheckFailed' || profile === 'TransactionConflict')
        return this.setAttributes(leadId, attributes, nowMs);
      throw error;
    }
  }

  /**
   * Checks that go into every transaction writing a lead's data: it is not erased, and not merged away (whose data
   * would otherwise land on a lead nobody reads). Its failures come in this order: erased, then merged.
   */
  private stillLive(leadId: string) {
    const lead: Subject = { kind: 'lead', id: leadId };
    return [keys.erased(lead), keys.alias(lead)].map((Key) => ({
      ConditionCheck: { TableName: this.tables.leads, Key, ConditionExpression: 'attribute_not_exists(pk)' },
    }));
  }

  async removeProfile(leadId: string): Promise<void> {
    await this.delete([keys.profile(leadId)]);
  }

  /**
   * Records an outcome once per outcomeId, whatever time it carries: 'duplicate' when that id already holds the same
   * result, OutcomeConflict when it holds another.
   */
  async addOutcome(leadId: string, outcome: OutcomeRecord): Promise<'recorded' | 'duplicate'> {
    const item = { ...keys.outcome(leadId, outcome.outcomeId), entity: 'outcome', leadId, ...outcome };
    try {
      await this.client.send(
        new TransactWriteCommand({
          TransactItems: [
            {
              Put: {
                TableName: this.tables.leads,
                Item: item,
                ConditionExpression: 'attribute_not_exists(pk)',
              },
            },
            ...this.stillLive(leadId),
          ],
        }),
      );
      return 'recorded';
    } catch (error) {
      const [put, erased, merged] = cancellationReasons(error);
      if (erased === 'ConditionalCheckFailed') throw new LeadErased(leadId);
      if (merged === 'ConditionalCheckFailed') throw new LeadMoved(leadId);
      if (put !== 'ConditionalCheckFailed') throw error;
    }
    const stored = await this.client.send(
      new GetCommand({
        TableName: this.tables.leads,
        Key: keys.outcome(leadId, outcome.outcomeId),
        ConsistentRead: true,
      }),
    );
    if (stored.Item?.outcome === outcome.outcome && stored.Item?.value === outcome.value) return 'duplicate';
    throw new OutcomeConflict(
      `outcome "${outcome.outcomeId}" is already recorded as ${stored.Item?.outcome}${stored.Item?.value === undefined ? '' : ` (value ${stored.Item.value})`}`,
    );
  }

  /**
   * Where a lead id's data goes now: itself, or the live lead it was merged into. LeadErased when it, or that
   * lead, was erased.
   */
  async resolveLead(leadId: string): Promise<string> {
    const lead: Subject = { kind: 'lead', id: leadId };
    const resolved = (await resolveSubjects(this.client, this.tables.leads, [lead], true)).get(
      keys.subject(lead),
    )!;
    if (resolved === 'erased') throw new LeadErased(leadId);
    return resolved.id;
  }

  /**
   * Runs a write on the live lead an id resolves to: when that lead is merged away between the resolution and the
   * write (the write's checks say LeadMoved), resolves again and writes there. Answers the lead written to.
   */
  async onLead<T>(
    requested: string,
    write: (leadId: string) => Promise<T>,
  ): Promise<{ leadId: string; result: T }> {
    for (let attempt = 0; ; attempt++) {
      const leadId = await this.resolveLead(requested);
      try {
        return { leadId, result: await write(leadId) };
      } catch (error) {
        if (!(error instanceof LeadMoved) || attempt === 3) throw error;
      }
    }
  }

  /**
   * Points an anonymous id, or a lead id being merged away, at a live lead. Decided by conditions in one
   * transaction: the id points nowhere yet (or here already: a retry), neither side is erased and the lead is
   * not itself merged away. Whoever loses a race gets IdentityConflict (or LeadErased) and has written nothing.
   * The reverse item under the lead lets erasure and later merges find every id pointing at it. A lead merged away
   * gets its markers in the same transaction (`models`): from the claim on, no score write lands on it, and a lead
   * with a score or a profile and no markers was never merged away (shared/scoring/settle.ts).
   */
  async claim(from: Subject, leadId: string, nowMs: number, models: string[] = []): Promise<void> {
    const at = new Date(nowMs).toISOString();
    const link = { entity: 'alias', from: from.id, fromKind: from.kind, leadId, at };
    const check = (Key: Key) => ({
      ConditionCheck: { TableName: this.tables.leads, Key, ConditionExpression: 'attribute_not_exists(pk)' },
    });
    try {
      await this.client.send(
        new TransactWriteCommand({
          TransactItems: [
            {
              Put: {
                TableName: this.tables.leads,
                Item: { ...keys.alias(from), ...link },
                ConditionExpression: 'attribute_not_exists(pk) OR leadId = :lead',
                ExpressionAttributeValues: { ':lead': leadId },
              },
            },
            {
              Put: {
                TableName: this.tables.leads,
                Item: { ...keys.aliasOf(leadId, from), ...link, entity: 'aliasOf' },
              },
            },
            check(keys.erased(from)),
            ...this.stillLive(leadId),
            ...(from.kind === 'lead' ? models : []).map((model) => ({
              Put: { TableName: this.tables.leads, Item: mergeMarker(from.id, model) },
            })),
          ],
        }),
      );
    } catch (error) {
      const [alias, , fromErased, toErased, toMerged] = cancellationReasons(error);
      if (fromErased === 'ConditionalCheckFailed') throw new LeadErased(from.id);
      if (toErased === 'ConditionalCheckFailed') throw new LeadErased(leadId);
      if (alias === 'ConditionalCheckFailed') {
        const owner = await this.aliasTarget(from);
        throw new IdentityConflict(`"${from.id}" already belongs to lead "${owner ?? 'another lead'}"`);
      }
      if (toMerged === 'ConditionalCheckFailed')
        throw new IdentityConflict(
          `lead "${leadId}" was merged into another lead meanwhile; send the request again`,
        );
      throw new IdentityConflict(
        `another identify of "${from.id}" is being decided; send the request again`,
        {
          cause: error,
        },
      );
    }
  }

  /**
   * The rest of a merge, once the loser's alias is claimed: every id pointing at the loser now points at the
   * survivor (so chains stay one hop), its outcomes move, its profile fills the survivor's gaps and goes, and each
   * of its scores is replaced by a marker that takes it out of every index and fails any score write still in
   * flight (the stream then scores its moved activities under the survivor). The claim wrote the markers; they
   * are written again for a merge claimed before it did. Safe to repeat.
   */
  async absorb(loser: string, survivor: string, models: string[], nowMs: number): Promise<void> {
    const items = (await this.itemsOf(loser)) as unknown as StoredItem[];
    await this.write(models.map((model) => mergeMarker(loser, model)));
    for (const link of items.filter((i) => i.entity === 'aliasOf')) {
      const from = subjectOfLink(link);
      await this.claimMoved(from, survivor, nowMs);
    }
    for (const outcome of items.filter((i) => i.entity === 'outcome')) {
      const { outcomeId, outcome: result, occurredAt, value } = outcome as unknown as OutcomeRecord;
      try {
        await this.addOutcome(survivor, { outcomeId, outcome: result, occurredAt, value });
      } catch (error) {
        // The survivor's own outcome of that id stands; the loser's is dropped with the rest of it.
        if (!(error instanceof OutcomeConflict)) throw error;
      }
    }
    const [kept, gone] = await Promise.all([this.profile(survivor), this.profile(loser)]);
    if (gone) {
      const fill = Object.fromEntries(
        Object.entries(gone.attributes).filter(([k]) => kept?.attributes[k] === undefined),
      );
      if (Object.keys(fill).length > 0) await this.setAttributes(survivor, fill, nowMs);
    }
    await this.delete(items.filter((i) => MOVED_ON_MERGE.has(String(i.entity))));
  }

  /**
   * The end of a merge, once its ledger has moved: the merged-away lead's markers expire a day later (DynamoDB's
   * TTL). Until then they say it was merged away; after, having neither profile nor score says it may have been.
   */
  async expireMarkers(loser: string, models: string[], nowMs: number): Promise<void> {
    const expiresAt = Math.floor(nowMs / 1000) + 86_400;
    await this.write(models.map((model) => ({ ...mergeMarker(loser, model), expiresAt })));
  }

  /** Repoints an id that pointed at a merged-away lead (unconditionally: the merge already decided it). */
  private async claimMoved(from: Subject, leadId: string, nowMs: number): Promise<void> {
    const at = new Date(nowMs).toISOString();
    const link = { from: from.id, fromKind: from.kind, leadId, at };
    await this.write([
      { ...keys.alias(from), entity: 'alias', ...link },
      { ...keys.aliasOf(leadId, from), entity: 'aliasOf', ...link },
    ]);
  }

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

  /** Every item stored under the lead in the leads table (profile, outcomes, reverse aliases, scores, history). */
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

  /** Where an id points now, if anywhere (read consistently: a conflict's message names the winner). */
  async aliasTarget(from: Subject): Promise<string | undefined> {
    const out = await this.client.send(
      new GetCommand({ TableName: this.tables.leads, Key: keys.alias(from), ConsistentRead: true }),
    );
    return out.Item?.leadId as string | undefined;
  }

  /**
   * Erases a person: the lead an id resolves to, and every id that ever pointed at it (anonymous visitors, merged
   * leads, transitively). Each id gets a tombstone first, so every later write for any of them is refused; each
   * score (of the lead and of its merged ids) is replaced by a marker holding nothing but its key, so a score write
   * already in flight fails its condition, and the leads stream clears history and feed items behind it. Then
   * their search terms go, and every item under those ids. Returns the ids whose ledgers the caller must sweep
   * (every alias, and the surviving lead when the id asked for was merged into it). Safe to repeat; UnknownLead when
   * nothing is known.
   */
  async erase(
    leadId: string,
    models: string[],
    nowMs: number,
  ): Promise<{ items: number; aliases: Subject[] }> {
    const requested: Subject = { kind: 'lead', id: leadId };
    const resolved = (await resolveSubjects(this.client, this.tables.leads, [requested], true)).get(
      keys.subject(requested),
    )!;
    const target = resolved === 'erased' ? leadId : resolved.id;
    if (resolved !== 'erased' && !(await this.known(target))) throw new UnknownLead(leadId);

    const people: Subject[] = [];
    const aliases = new Map<string, Subject>();
    const seen = new Set<string>();
    let items: StoredItem[] = [];
    for (const queue = [target]; queue.length > 0; ) {
      const id = queue.shift()!;
      if (seen.has(id)) continue;
      seen.add(id);
      people.push({ kind: 'lead', id });
      const under = (await this.itemsOf(id)) as unknown as StoredItem[];
      items = items.concat(under);
      for (const link of under.filter((i) => i.entity === 'aliasOf')) {
        const from = subjectOfLink(link);
        aliases.set(keys.subject(from), from);
        if (from.kind === 'lead') queue.push(from.id);
      }
    }
    if (leadId !== target) aliases.set(keys.subject(requested), requested);
    const everyone = [...new Map([...people, ...aliases.values()].map((s) => [keys.subject(s), s])).values()];
    const at = new Date(nowMs).toISOString();
    await this.write(everyone.map((s) => ({ ...keys.erased(s), entity: 'erased', at })));
    const expiresAt = Math.floor(nowMs / 1000) + 86_400;
    const leadIds = everyone.filter((s) => s.kind === 'lead').map((s) => s.id);
    await this.write(
      leadIds.flatMap((id) =>
        models.map((model) => ({ ...keys.score(id, model), entity: 'erased', expiresAt })),
      ),
    );
    const gone = items.filter((i) => !i.sk.startsWith('SCORE#'));
    // The search terms first (safe to repeat: a retry after a failure here still finds the links it follows below),
    // in their own table: those each lead's list names and those its profile gives. follow-profiles removes them
    // too, from the stream; this does not wait for it, nor depend on it.
    const index = new SearchIndex(this.client, this.tables);
    const legacyTerms: Key[] = [];
    for (const { id } of people) {
      const profile = gone.find((i) => i.entity === 'profile' && i.pk === keys.lead(id)) as
        | ProfileItem
        | undefined;
      await index.follow(id, profile, undefined);
      // A stage deployed before the search table kept a lead's terms beside it, with their list, until `leadscore
      // reindex` moves them: where that list is still there, so may its terms be.
      const legacy = gone.find((i) => i.entity === 'searchTerms' && i.pk === keys.lead(id));
      if (legacy) {
        const named = (legacy as unknown as { terms?: string[] }).terms ?? [];
        for (const t of new Set([...named, ...termsOfProfile(id, profile)]))
          legacyTerms.push(keys.searchTerm(t, id));
      }
    }
    await this.delete([...gone, ...[...aliases.values()].map((a) => keys.alias(a)), ...legacyTerms]);
    const sweep = [...aliases.values()];
    if (leadId !== target) sweep.push({ kind: 'lead', id: target });
    return { items: gone.length, aliases: sweep };
  }

  /** Whether anything names this lead: its items here, or one activity in the ledger. */
  private async known(leadId: string): Promise<boolean> {
    for (const table of [this.tables.leads, this.tables.activities]) {
      const out = await this.client.send(
        new QueryCommand({
          TableName: table,
          KeyConditionExpression: 'pk = :pk',
          ExpressionAttributeValues: { ':pk': keys.lead(leadId) },
          ProjectionExpression: 'pk',
          Limit: 1,
        }),
      );
      if ((out.Items ?? []).length > 0) return true;
    }
    return false;
  }

  async isErased(leadId: string): Promise<boolean> {
    const out = await this.client.send(
      new GetCommand({ TableName: this.tables.leads, Key: keys.erased({ kind: 'lead', id: leadId }) }),
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

/** What stands at a merged-away lead's score key: it fails every score write, and is in no index. */
function mergeMarker(loser: string, model: string): Record<string, unknown> {
  return { ...keys.score(loser, model), entity: 'merged' };
}
