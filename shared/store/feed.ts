import { type DynamoDBDocumentClient, PutCommand, paginateQuery, QueryCommand } from '@aws-sdk/lib-dynamodb';
import type { Notification } from '../notify/notifications.ts';
import { batchWrite } from './batch.ts';
import type { TableNames } from './tables.ts';

const HOUR = 3_600_000;
/** How long the feed keeps a notification: the dashboard's live feed, not an archive (that is SNS's subscribers). */
const KEEP_SECONDS = 2 * 86_400;

/**
 * The notifications of the last day or two, by hour, for the dashboard's live feed (GET /v1/notifications). Kept
 * under the notification's id, so recording it again (a stream replay) writes the same item.
 */
export class FeedStore {
  private readonly client: DynamoDBDocumentClient;
  private readonly tables: TableNames;

  constructor(client: DynamoDBDocumentClient, tables: TableNames) {
    this.client = client;
    this.tables = tables;
  }

  forget(leadId: string, nowMs: number): Promise<number> {
    return forgetFeed(this.client, this.tables.leads, leadId, nowMs);
  }

  async record(notification: Notification): Promise<void> {
    const at = Date.parse(notification.at);
    await this.client.send(
      new PutCommand({
        TableName: this.tables.leads,
        Item: {
          pk: feedPartition(at),
          sk: `${notification.at}#${notification.id}`,
          entity: 'feed',
          notification,
          expiresAt: Math.floor(at / 1000) + KEEP_SECONDS,
        },
      }),
    );
  }

  /**
   * Notifications after a point, oldest first, at most `limit`, looking back at most a day. The point is a time
   * (ISO) or the cursor of the last one seen (its time and id, `cursor` in the answer), so two notifications of
   * the same instant are never split between two polls and lost.
   */
  async after(
    point: string,
    now: number,
    limit: number,
  ): Promise<{ notifications: Notification[]; cursor: string }> {
    const at = point.split('#')[0]!;
    const from = Math.max(Date.parse(at), now - 86_400_000);
    // A bare time means "after everything at that instant"; a cursor, after exactly that notification.
    const after = point.includes('#') ? point : `${at}#\uffff`;
    const notifications: Notification[] = [];
    let cursor = point;
    for (
      let hour = Math.floor(from / HOUR) * HOUR;
      hour <= now && notifications.length < limit;
      hour += HOUR
    ) {
      let start: Record<string, unknown> | undefined;
      do {
        const page = await this.client.send(
          new QueryCommand({
            TableName: this.tables.leads,
            KeyConditionExpression: 'pk = :pk AND sk > :after',
            ExpressionAttributeValues: { ':pk': feedPartition(hour), ':after': after },
            Limit: limit - notifications.length,
            ExclusiveStartKey: start,
          }),
        );
        for (const item of page.Items ?? []) {
          notifications.push(item.notification as Notification);
          cursor = String(item.sk);
        }
        start = page.LastEvaluatedKey;
      } while (start && notifications.length < limit);
    }
    return { notifications, cursor };
  }
}

/** Every feed item naming the lead, deleted (an erasure's last step, from the leads stream). Returns how many. */
export async function forgetFeed(
  client: DynamoDBDocumentClient,
  table: string,
  leadId: string,
  nowMs: number,
): Promise<number> {
  const found: { pk: string; sk: string }[] = [];
  // The feed keeps KEEP_SECONDS; an hour on either side covers clocks and a notification dated in its hour's end.
  for (let hour = nowMs - KEEP_SECONDS * 1000 - HOUR; hour <= nowMs + HOUR; hour += HOUR) {
    const pages = paginateQuery(
      { client },
      {
        TableName: table,
        KeyConditionExpression: 'pk = :pk',
        FilterExpression: '#n.leadId = :lead',
        ExpressionAttributeNames: { '#n': 'notification' },
        ExpressionAttributeValues: { ':pk': feedPartition(hour), ':lead': leadId },
        ProjectionExpression: 'pk, sk',
      },
    );
    for await (const page of pages) found.push(...((page.Items ?? []) as { pk: string; sk: string }[]));
  }
  await batchWrite(
    client,
    table,
    found.map(({ pk, sk }) => ({ DeleteRequest: { Key: { pk, sk } } })),
  );
  return found.length;
}

function feedPartition(t: number): string {
  return `FEED#${new Date(t).toISOString().slice(0, 13)}`;
}
