import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import {
  type DynamoDBDocumentClient,
  PutCommand,
  paginateQuery,
  paginateScan,
  TransactWriteCommand,
} from '@aws-sdk/lib-dynamodb';
import type { LedgerActivity } from '../domain/activity.ts';
import { batchWrite } from './batch.ts';
import { LeadErased } from './errors.ts';
import { type Resolution, resolveSubjects } from './identity.ts';
import { keys, type Subject } from './keys.ts';
import type { TableNames } from './tables.ts';
import { cancellationReasons } from './transactions.ts';

export type Source = 'pixel' | 'redirect' | 'api' | 'bus' | 'identify' | 'import';

/** An activity as the ledger stores it. */
export interface LedgerItem extends LedgerActivity {
  pk: string;
  sk: string;
  entity: 'activity';
  source: Source;
  receivedAt: string;
  expiresAt: number;
}

export type { Resolution };

/** How often a move tries one item again after losing a race to another mover of the same ledger. */
const MOVE_CONFLICT_RETRIES = 4;

/**
 * The activity ledger in DynamoDB. One conditional put per accepted activity (idempotent by subject and
 * eventId); aliases and erasure tombstones are looked up in one batch read per request.
 */
export class Ledger {
  private readonly client: DynamoDBDocumentClient;
  private readonly tables: TableNames;
  private readonly retentionDays: number;

  constructor(client: DynamoDBDocumentClient, tables: TableNames, retentionDays: number) {
    this.client = client;
    this.tables = tables;
    this.retentionDays = retentionDays;
  }

  /**
   * Where each subject's activity goes now: the live lead an anonymous id or merged-away lead id resolves to, or
   * 'erased' when it, or the lead it resolves to, was erased (its late events are dropped).
   */
  resolve(subjects: Subject[], consistent = false): Promise<Map<string, Resolution>> {
    return resolveSubjects(this.client, this.tables.leads, subjects, consistent);
  }

  /** Writes one activity unless this subject already has its eventId. Reports the write units it consumed. */
  async record(
    subject: Subject,
    activity: LedgerActivity,
    source: Source,
    nowMs: number,
  ): Promise<{ status: 'recorded' | 'duplicate'; writeUnits: number }> {
    const item = this.itemOf(subject, activity, source, nowMs);
    try {
      const out = await this.client.send(
        new PutCommand({
          TableName: this.tables.activities,
          Item: item,
          ConditionExpression: 'attribute_not_exists(pk)',
          ReturnConsumedCapacity: 'TOTAL',
        }),
      );
      return { status: 'recorded', writeUnits: out.ConsumedCapacity?.CapacityUnits ?? 0 };
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException) return { status: 'duplicate', writeUnits: 1 };
      throw error;
    }
  }

  /**
   * A subject's whole ledger. `consistent`: read strongly (twice the read units), so that every activity recorded
   * before the read is in it: what a state rebuilt to stand for the lead's ledger needs.
   */
  async activitiesOf(subject: Subject, consistent = false): Promise<LedgerItem[]> {
    const items: LedgerItem[] = [];
    const pages = paginateQuery(
      { client: this.client },
      {
        TableName: this.tables.activities,
        KeyConditionExpression: 'pk = :pk',
        ExpressionAttributeValues: { ':pk': keys.subject(subject) },
        ConsistentRead: consistent,
      },
    );
    for await (const page of pages) items.push(...((page.Items ?? []) as LedgerItem[]));
    return items;
  }

  /**
   * Moves a subject's history to a lead (identify, merge): each activity is recorded under the lead (an eventId
   * the lead already has is skipped), then the old item is deleted. Safe to repeat after a failure part-way. Each
   * copy is conditional on the lead not being erased, in the same transaction, so an erasure that began meanwhile
   * is never undone by a copy landing after its sweep.
   */
  async move(from: Subject, toLeadId: string, nowMs: number): Promise<number> {
    const items = await this.activitiesOf(from);
    const to: Subject = { kind: 'lead', id: toLeadId };
    let moved = 0;
    for (const item of items) {
      const { pk: _pk, sk: _sk, entity: _e, source, receivedAt: _r, expiresAt: _x, ...activity } = item;
      // Two movers of one ledger (an identify, and scoring settling a hit) may copy the same item at once: the
      // loser of that race is told TransactionConflict, and tries again to find the copy there (a duplicate).
      for (let attempt = 0; ; attempt++) {
        try {
          await this.client.send(
            new TransactWriteCommand({
              TransactItems: [
                {
                  Put: {
                    TableName: this.tables.activities,
                    Item: this.itemOf(to, { ...activity, leadId: toLeadId }, source, nowMs),
                    ConditionExpression: 'attribute_not_exists(pk)',
                  },
                },
                {
                  ConditionCheck: {
                    TableName: this.tables.leads,
                    Key: keys.erased(to),
                    ConditionExpression: 'attribute_not_exists(pk)',
                  },
                },
              ],
            }),
          );
          moved++;
        } catch (error) {
          const [duplicate, erased] = cancellationReasons(error);
          if (erased === 'ConditionalCheckFailed') throw new LeadErased(toLeadId);
          if ([duplicate, erased].includes('TransactionConflict') && attempt < MOVE_CONFLICT_RETRIES) {
            await new Promise((r) => setTimeout(r, 20 * 2 ** attempt * Math.random()));
            continue;
          }
          if (duplicate !== 'ConditionalCheckFailed') throw error;
        }
        break;
      }
    }
    await this.deleteAll(this.tables.activities, items);
    return moved;
  }

  /**
   * Every lead with activity in the ledger, once each: a full pass over the ledger's keys, for operator replays
   * (rescoring a changed model), never for a request or the nightly sweep.
   */
  async *leadIds(): AsyncGenerator<string> {
    let previous: string | undefined;
    const seen = new Set<string>();
    const pages = paginateScan(
      { client: this.client },
      { TableName: this.tables.activities, ProjectionExpression: 'pk' },
    );
    for await (const page of pages) {
      for (const { pk } of (page.Items ?? []) as { pk: string }[]) {
        if (pk === previous || !pk.startsWith('LEAD#')) continue;
        previous = pk;
        const id = pk.slice('LEAD#'.length);
        if (seen.has(id)) continue;
        seen.add(id);
        yield id;
      }
    }
  }

  /** Deletes every activity of a subject; returns how many there were. */
  async erase(subject: Subject): Promise<number> {
    const items = await this.activitiesOf(subject);
    await this.deleteAll(this.tables.activities, items);
    return items.length;
  }

  private itemOf(subject: Subject, activity: LedgerActivity, source: Source, nowMs: number): LedgerItem {
    return {
      ...keys.activity(subject, activity.eventId),
      entity: 'activity',
      ...activity,
      ...(subject.kind === 'lead' ? { leadId: subject.id } : {}),
      source,
      receivedAt: new Date(nowMs).toISOString(),
      expiresAt: Math.floor(nowMs / 1000) + this.retentionDays * 86_400,
    };
  }

  private async deleteAll(table: string, items: { pk: string; sk: string }[]): Promise<void> {
    await batchWrite(
      this.client,
      table,
      items.map(({ pk, sk }) => ({ DeleteRequest: { Key: { pk, sk } } })),
    );
  }
}
