import { SNSClient } from '@aws-sdk/client-sns';
import { lambdaHandler } from '../shared/lambda.ts';
import { loadModels } from '../shared/models.ts';
import { LocalTopicPublisher, type Publisher, SnsPublisher } from '../shared/notify/publisher.ts';
import { notifyStreamHandler } from '../shared/notify/stream.ts';
import { FeedStore } from '../shared/store/feed.ts';
import { ScoreStore } from '../shared/store/scores.ts';
import { wire } from '../shared/wiring.ts';

const { config, client, tables } = wire('notify-crossings');

function publisher(): Publisher {
  if (config.TOPIC_ARN) return new SnsPublisher(new SNSClient({}), config.TOPIC_ARN);
  if (config.LOCAL_TOPIC_URL) return new LocalTopicPublisher(config.LOCAL_TOPIC_URL);
  throw new Error(
    'invalid configuration: TOPIC_ARN (or LOCAL_TOPIC_URL for the local runtime) is required to notify',
  );
}

/** The leads stream: committed score changes become history and notifications (see shared/notify/stream.ts). */
export const handler = lambdaHandler(
  notifyStreamHandler({
    models: loadModels(config.LEADSCORE_MODELS),
    publisher: publisher(),
    history: new ScoreStore(client, tables),
    retentionDays: config.ACTIVITY_RETENTION_DAYS,
    feed: new FeedStore(client, tables),
  }),
);
