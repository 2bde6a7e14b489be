import { randomUUID } from 'node:crypto';
import { createServer } from 'node:http';
import type { SNSClientConfig } from '@aws-sdk/client-sns';
import {
  errorAnswer,
  type FailedEntry,
  type PublishRequest,
  publishAnswer,
  readPublish,
  SnsError,
} from '../../local/sns-query.ts';
import type { Notification } from '../../shared/notify/notifications.ts';

export const TEST_TOPIC_ARN = 'arn:aws:sns:us-east-1:000000000000:leadscore-test-notifications';

/**
 * An SNS endpoint of a test's own, speaking SNS's query protocol as the local topic does (local/sns-query.ts, so
 * it refuses what SNS refuses): it keeps each request it takes, and reports the entries `refuse` picks as failed,
 * the way SNS answers a PublishBatch with some of its entries failed. `refuse` is asked with how many times that
 * notification was offered before.
 */
export async function snsEndpoint(
  refuse: (notification: Notification, offered: number) => boolean = () => false,
) {
  const requests: PublishRequest[] = [];
  const accepted: Notification[] = [];
  const refused: Notification[] = [];
  const offered = new Map<string, number>();
  const server = createServer((request, response) => {
    let body = '';
    request.on('data', (chunk: Buffer) => {
      body += chunk.toString();
    });
    request.on('end', () => {
      const requestId = randomUUID();
      let publish: PublishRequest;
      try {
        publish = readPublish(new URLSearchParams(body));
        if (publish.topicArn !== TEST_TOPIC_ARN) throw new SnsError(404, 'NotFound', 'Topic does not exist');
      } catch (error) {
        const refusal = error as SnsError;
        response
          .writeHead(refusal.status, { 'content-type': 'text/xml' })
          .end(errorAnswer(refusal, requestId));
        return;
      }
      requests.push(publish);
      const failed: FailedEntry[] = [];
      for (const m of publish.messages) {
        const notification = JSON.parse(m.message) as Notification;
        const times = offered.get(notification.id) ?? 0;
        offered.set(notification.id, times + 1);
        if (refuse(notification, times)) {
          refused.push(notification);
          failed.push({
            id: m.id!,
            code: 'InternalError',
            message: 'refused by the test',
            senderFault: false,
          });
        } else accepted.push(notification);
      }
      response.writeHead(200, { 'content-type': 'text/xml' }).end(
        publishAnswer(
          publish,
          publish.messages.map(() => randomUUID()),
          requestId,
          failed,
        ),
      );
    });
  });
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
  const url = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
  /** What an SnsPublisher needs to publish here instead of to AWS. */
  const clientConfig: SNSClientConfig = {
    endpoint: url,
    region: 'us-east-1',
    credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
  };
  return {
    clientConfig,
    requests,
    accepted,
    refused,
    close: () => new Promise<void>((done) => server.close(() => done())),
  };
}
