import { randomUUID } from 'node:crypto';
import type { Notification } from '../shared/notify/notifications.ts';

/** SNS filter policy conditions (the subset subscribers use most): exact values, anything-but, prefix, exists. */
export type FilterCondition =
  | string
  | { 'anything-but': string | string[] }
  | { prefix: string }
  | { exists: boolean };

export interface Subscription {
  endpoint: string;
  filterPolicy?: Record<string, FilterCondition[]>;
}

export interface Delivered {
  message: Notification;
  attributes: Record<string, string>;
  at: string;
}

export const LOCAL_TOPIC_ARN = 'arn:aws:sns:local:000000000000:leadscore-notifications';

/**
 * The notification topic, locally: each message is printed, kept in a short feed, and POSTed to every HTTP
 * subscriber whose filter policy it matches, in SNS's envelope, retried a few times like SNS's HTTP delivery.
 */
export class LocalTopic {
  readonly feed: Delivered[] = [];
  private readonly subscriptions: Subscription[];
  private readonly log: (line: string) => void;

  constructor(subscriptions: Subscription[], log: (line: string) => void) {
    this.subscriptions = [...subscriptions];
    this.log = log;
  }

  /** Like SNS Subscribe for an HTTP endpoint (confirmed at once: it is local). */
  subscribe(subscription: Subscription): void {
    this.subscriptions.push(subscription);
  }

  publish(message: Notification, attributes: Record<string, string>): void {
    const delivered = { message, attributes, at: new Date().toISOString() };
    this.feed.push(delivered);
    if (this.feed.length > 500) this.feed.shift();
    this.log(
      `notify ${message.type} ${message.leadId} ${message.model}: ${message.oldBand ?? '-'} -> ${message.newBand}${message.flag ? ` (${message.direction} ${message.flag})` : ''} score ${message.newScore}`,
    );
    for (const subscription of this.subscriptions) {
      if (matchesPolicy(subscription.filterPolicy, attributes))
        void this.deliver(subscription.endpoint, message, attributes);
    }
  }

  private async deliver(
    endpoint: string,
    message: Notification,
    attributes: Record<string, string>,
  ): Promise<void> {
    const envelope = {
      Type: 'Notification',
      MessageId: randomUUID(),
      TopicArn: LOCAL_TOPIC_ARN,
      Message: JSON.stringify(message),
      Timestamp: new Date().toISOString(),
      SignatureVersion: '1',
      MessageAttributes: Object.fromEntries(
        Object.entries(attributes).map(([k, v]) => [k, { Type: 'String', Value: v }]),
      ),
    };
    for (let attempt = 0; attempt < 4; attempt++) {
      try {
        const response = await fetch(endpoint, {
          method: 'POST',
          headers: {
            'content-type': 'text/plain; charset=UTF-8',
            'x-amz-sns-message-type': 'Notification',
            'x-amz-sns-topic-arn': LOCAL_TOPIC_ARN,
          },
          body: JSON.stringify(envelope),
          signal: AbortSignal.timeout(5000),
        });
        if (response.ok) return;
      } catch {
        // retried below
      }
      await new Promise((r) => setTimeout(r, 200 * 2 ** attempt));
    }
    this.log(`notify: delivery to ${endpoint} failed after 4 attempts (${message.id})`);
  }
}

/** SNS semantics: every key in the policy must match; within a key, any one condition. */
export function matchesPolicy(
  policy: Record<string, FilterCondition[]> | undefined,
  attributes: Record<string, string>,
): boolean {
  if (!policy) return true;
  return Object.entries(policy).every(([name, conditions]) => {
    const value = attributes[name];
    return conditions.some((c) => {
      if (typeof c === 'string') return value === c;
      if ('exists' in c) return (value !== undefined) === c.exists;
      if (value === undefined) return false;
      if ('prefix' in c) return value.startsWith(c.prefix);
      const excluded = Array.isArray(c['anything-but']) ? c['anything-but'] : [c['anything-but']];
      return !excluded.includes(value);
    });
  });
}
