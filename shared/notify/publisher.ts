import { PublishCommand, type SNSClient } from '@aws-sdk/client-sns';
import { messageAttributes, type Notification } from './notifications.ts';

/** Where notifications go. Publishing throws unless the message was accepted, so the stream retries it. */
export interface Publisher {
  publish(notification: Notification): Promise<void>;
}

export class SnsPublisher implements Publisher {
  private readonly client: SNSClient;
  private readonly topicArn: string;
  constructor(client: SNSClient, topicArn: string) {
    this.client = client;
    this.topicArn = topicArn;
  }
  async publish(notification: Notification): Promise<void> {
    const out = await this.client.send(
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
