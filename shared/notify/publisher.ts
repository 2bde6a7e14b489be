import type {
  PublishBatchCommandOutput,
  PublishBatchRequestEntry,
  SNSClientConfig,
} from '@aws-sdk/client-sns';
import { lazily } from '../lazy.ts';
import { messageAttributes, type Notification } from './notifications.ts';
import { messageBytes, SNS_PUBLISH } from './sns.ts';

/** The notifications one committed score change calls for, in their order (none for most changes). */
export type Change = readonly Notification[];

/** Where notifications go. */
export interface Publisher {
  /**
   * Publishes the notifications of a stream batch's changes, in order. Throws NotPublished unless every one was
   * accepted, saying how many of the changes went out whole, so that the stream retries from the next one.
   */
  publish(changes: readonly Change[]): Promise<void>;
}

/** Notifications SNS did not take: every change from `published` on is to be published again. */
export class NotPublished extends Error {
  override readonly name = 'NotPublished';
  /** How many of the changes, from the first, had every notification accepted. */
  readonly published: number;
  constructor(published: number, message: string, options?: ErrorOptions) {
    super(message, options);
    this.published = published;
  }
}

/** One entry of a PublishBatch request, and the change it is a notification of. */
export interface BatchEntry {
  change: number;
  notification: Notification;
  entry: PublishBatchRequestEntry;
}

/**
 * The changes' notifications as PublishBatch requests, in order: at most 10 entries and 256 KiB a request, and
 * never two changes of one lead in a request, so that when SNS refuses an entry no later change of that lead has
 * gone out before it. An entry's id is its place in its request.
 */
export function publishRequests(changes: readonly Change[]): BatchEntry[][] {
  const requests: BatchEntry[][] = [];
  let request: BatchEntry[] = [];
  let bytes = 0;
  const changeOfLead = new Map<string, number>();
  for (const [change, notifications] of changes.entries()) {
    for (const notification of notifications) {
      const entry = {
        Message: JSON.stringify(notification),
        MessageAttributes: Object.fromEntries(
          Object.entries(messageAttributes(notification)).map(([k, v]) => [
            k,
            { DataType: 'String', StringValue: v },
          ]),
        ),
      };
      const size = messageBytes(entry.Message, entry.MessageAttributes);
      const leadsChange = changeOfLead.get(notification.leadId);
      if (
        request.length === SNS_PUBLISH.batchEntries ||
        bytes + size > SNS_PUBLISH.payloadBytes ||
        (leadsChange !== undefined && leadsChange !== change)
      ) {
        if (request.length > 0) requests.push(request);
        request = [];
        bytes = 0;
        changeOfLead.clear();
      }
      request.push({ change, notification, entry: { Id: String(request.length), ...entry } });
      bytes += size;
      changeOfLead.set(notification.leadId, change);
    }
  }
  if (request.length > 0) requests.push(request);
  return requests;
}

/**
 * Publishes to the SNS topic with PublishBatch, which SNS bills per request (each 64 KiB of it), not per message.
 * The SNS client is loaded on the first publish, not at cold start: most batches of the leads stream cross no
 * threshold. Its configuration comes from the environment, as in Lambda, unless `clientConfig` says otherwise.
 */
export class SnsPublisher implements Publisher {
  private readonly topicArn: string;
  private readonly clientConfig: SNSClientConfig;
  private readonly sns = lazily(() =>
    import('@aws-sdk/client-sns').then(({ SNSClient, PublishBatchCommand }) => ({
      client: new SNSClient(this.clientConfig),
      PublishBatchCommand,
    })),
  );
  constructor(topicArn: string, clientConfig: SNSClientConfig = {}) {
    this.topicArn = topicArn;
    this.clientConfig = clientConfig;
  }
  async publish(changes: readonly Change[]): Promise<void> {
    const requests = publishRequests(changes);
    if (requests.length === 0) return;
    const { client, PublishBatchCommand } = await this.sns();
    // One request at a time, and none after a failure: what follows a refused entry must not go out before it.
    for (const request of requests) {
      let out: PublishBatchCommandOutput;
      try {
        out = await client.send(
          new PublishBatchCommand({
            TopicArn: this.topicArn,
            PublishBatchRequestEntries: request.map((e) => e.entry),
          }),
        );
      } catch (error) {
        throw new NotPublished(request[0]!.change, `SNS refused ${request.length} notifications`, {
          cause: error,
        });
      }
      // SNS answers 200 with some entries failed: each must be seen accepted.
      const accepted = new Set(out.Successful?.filter((s) => s.MessageId).map((s) => s.Id));
      const refused = request.find((e) => !accepted.has(e.entry.Id));
      if (refused) {
        const why = out.Failed?.find((f) => f.Id === refused.entry.Id);
        throw new NotPublished(
          refused.change,
          `SNS did not accept notification ${refused.notification.id}${why ? ` (${why.Code}: ${why.Message})` : ''}`,
        );
      }
    }
  }
}
