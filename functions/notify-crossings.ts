import { BatchProcessor, EventType, processPartialResponse } from '@aws-lambda-powertools/batch';
import type { AttributeValue } from '@aws-sdk/client-dynamodb';
import { SNSClient } from '@aws-sdk/client-sns';
import { unmarshall } from '@aws-sdk/util-dynamodb';
import type { Context, DynamoDBRecord, DynamoDBStreamEvent } from 'aws-lambda';
import { loadConfig } from '../shared/config.ts';
import { loadModels } from '../shared/models.ts';
import { notificationsFor } from '../shared/notify/notifications.ts';
import { LocalTopicPublisher, type Publisher, SnsPublisher } from '../shared/notify/publisher.ts';
import type { ScoreItem } from '../shared/store/scores.ts';
import { count, logger } from '../shared/telemetry.ts';

const config = loadConfig();
const models = new Map(loadModels(config.LEADSCORE_MODELS).map((m) => [m.id, m]));
const publisher: Publisher = config.TOPIC_ARN
  ? new SnsPublisher(new SNSClient({}), config.TOPIC_ARN)
  : config.LOCAL_TOPIC_URL
    ? new LocalTopicPublisher(config.LOCAL_TOPIC_URL)
    : missingTopic();
const processor = new BatchProcessor(EventType.DynamoDBStreams);

/**
 * The leads stream: a committed score change becomes its notifications (band crossings, flags raised and
 * cleared). Nothing is announced for a write that did not commit, and a failed publish fails the record, so the
 * stream delivers it again; a repeat carries the same ids.
 */
async function notifyRecord(record: DynamoDBRecord): Promise<void> {
  const image = record.dynamodb?.NewImage;
  if (!image) return;
  const after = unmarshall(image as Record<string, AttributeValue>) as ScoreItem;
  if (after.entity !== 'score') return;
  const model = models.get(after.model);
  if (!model) {
    count('notify.unknown-model');
    logger.warn('score of a model not in force', { model: after.model, leadId: after.leadId });
    return;
  }
  const old = record.dynamodb?.OldImage;
  const before = old ? (unmarshall(old as Record<string, AttributeValue>) as ScoreItem) : undefined;
  for (const notification of notificationsFor(model, before, after)) {
    await publisher.publish(notification);
    count(`notify.${notification.type}`);
  }
}

export const handler = (event: DynamoDBStreamEvent, context: Context) =>
  processPartialResponse(event, notifyRecord, processor, { context, processInParallel: false });

function missingTopic(): never {
  throw new Error(
    'invalid configuration: TOPIC_ARN (or LOCAL_TOPIC_URL for the local runtime) is required to notify',
  );
}
