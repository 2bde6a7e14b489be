import { required } from '../shared/config.ts';
import { lambdaHandler } from '../shared/lambda.ts';
import { compiledModels } from '../shared/model/artifact.ts';
import { SnsPublisher } from '../shared/notify/publisher.ts';
import { notifyStreamHandler } from '../shared/notify/stream.ts';
import { FeedStore } from '../shared/store/feed.ts';
import { ScoreStore } from '../shared/store/scores.ts';
import { wire } from '../shared/wiring.ts';

const { config, client, tables } = wire('notify-crossings');

// The same publisher in AWS and locally: the local runtime serves SNS's PublishBatch (AWS_ENDPOINT_URL_SNS).
const publisher = new SnsPublisher(required(config, 'TOPIC_ARN'));

/** The leads stream: committed score changes become history and notifications (see shared/notify/stream.ts). */
export const handler = lambdaHandler(
  notifyStreamHandler({
    models: compiledModels(config.LEADSCORE_MODELS),
    publisher,
    history: new ScoreStore(client, tables),
    retentionDays: config.ACTIVITY_RETENTION_DAYS,
    feed: new FeedStore(client, tables),
  }),
);
