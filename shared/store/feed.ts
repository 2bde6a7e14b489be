import { type DynamoDBDocumentClient, PutCommand, QueryCommand } from '@aws-sdk/lib-dynamodb';
import type { Notification } from '../notify/notifications.ts';
import type { TableNames } from './dynamo.ts';

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

  /** Notifications after `since` (ISO), oldest first, at most `limit`; looks back at most a day. */
  async since(since: string, now: number, limit: number): Promise<Notification[]> {
    const from = Math.max(Date.parse(since), now - 86_400_000);
    const out: Notification[] = [];
    for (let hour = Math.floor(from / HOUR) * HOUR; hour <= now && out.length < limit; hour += HOUR) {
      let start: Record<string, unknown> | undefined;
      do {
        const page = await this.client.send(
          new QueryCommand({
            TableName: this.tables.leads,
            KeyConditionExpression: 'pk = :pk AND sk > :since',
            ExpressionAttributeValues: { ':pk': feedPartition(hour), ':since': `${since}#\uffff` },
            Limit: limit - out.length,
            ExclusiveStartKey: start,
          }),
        );
        out.push(...(page.Items ?? []).map((i) => i.notification as Notification));
        start = page.LastEvaluatedKey;
      } while (start && out.length < limit);
    }
    return out;
  }
}

function feedPartition(t: number): string {
  return `FEED#${new Date(t).toISOString().slice(0, 13)}`;
}
