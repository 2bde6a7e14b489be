import { lazily } from '../lazy.ts';
import { messageAttributes, type Notification } from './notifications.ts';

/** Where notifications go. Publishing throws unless the message was accepted, so the stream retries it. */
export interface Publisher {
  publish(notification: Notification): Promise<void>;
}

/**
 * Publishes to the SNS topic. The SNS client is loaded on the first publish, not at cold start: most batches of
 * the leads stream cross no threshold.
 */
export class SnsPublisher implements Publisher {
  private readonly topicArn: string;
  private readonly sns = lazily(() =>
    import('@aws-sdk/client-sns').then(({ SNSClient, PublishCommand }) => ({
      client: new SNSClient({}),
      PublishCommand,
    })),
  );
  constructor(topicArn: string) {
    this.topicArn = topicArn;
  }
  async publish(notification: Notification): Promise<void> {
    const { client, PublishCommand } = await this.sns();
    const out = await client.send(
      new PublishCommand({
        TopicArn: this.topicArn,
        Message: JSON.stringify(notification),
        MessageAttributes: Object.fromEntries(
          Object.entries(messageAttributes(notification)).map(([k, v]) => [
            k,
            { DataType: 'String', StringValue: v },
          ]),
        ),
      }),
    );
    if (!out.MessageId) throw new Error(`SNS did not accept notification ${notification.id}`);
  }
}
