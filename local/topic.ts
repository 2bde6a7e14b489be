import { randomUUID } from 'node:crypto';
import { existsSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { HTTP_DELIVERY_POLICY, retryDelaySeconds } from '../shared/notify/delivery.ts';
import type { Notification } from '../shared/notify/notifications.ts';
import { billedRequests, messageBytes } from '../shared/notify/sns.ts';
import { LOCAL_AWS } from './aws.ts';
import { errorAnswer, type PublishRequest, publishAnswer, readPublish, SnsError } from './sns-query.ts';

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

export interface PublishAnswer {
  status: number;
  /** SNS's XML answer. */
  body: string;
}

/** A message on its way to one subscriber: kept on disk until delivered or given up on. */
export interface Delivery {
  id: string;
  endpoint: string;
  envelope: Record<string, unknown>;
  /** Attempts made so far. */
  attempts: number;
  /** When the next attempt is due (epoch ms). */
  dueAt: number;
  lastError?: string;
}

export const LOCAL_TOPIC_ARN = `arn:aws:sns:${LOCAL_AWS.region}:${LOCAL_AWS.accountId}:leadscore-local-notifications`;

interface State {
  subscriptions: (Subscription & { arn: string })[];
  pending: Delivery[];
  deadLetters: Delivery[];
}

/**
 * The notification topic, locally: each message is printed, kept in a short feed, and POSTed to every HTTP
 * subscriber whose filter policy it matches, in SNS's envelope. Delivery follows SNS's HTTP/S delivery policy
 * (shared/notify/delivery.ts: 3 retries, 20 s apart); a delivery that exhausts them goes to a dead-letter list.
 * Subscriptions, pending deliveries and dead letters are kept in `stateFile`, so a restart resumes them.
 */
export class LocalTopic {
  readonly feed: Delivered[] = [];
  /**
   * What SNS bills: publish requests (each 64 KiB of a Publish or of a whole PublishBatch of up to 10 messages is
   * one), and HTTP/S delivery attempts (one per message and subscriber, retries included).
   */
  readonly usage = { publishes: 0, deliveryAttempts: 0 };
  private readonly state: State;
  private readonly stateFile: string | undefined;
  private readonly log: (line: string) => void;
  private readonly timers = new Map<string, NodeJS.Timeout>();
  private stopped = false;

  constructor(options: {
    subscriptions: Subscription[];
    stateFile: string | undefined;
    log: (line: string) => void;
  }) {
    this.stateFile = options.stateFile;
    this.log = options.log;
    this.state =
      this.stateFile && existsSync(this.stateFile)
        ? (JSON.parse(readFileSync(this.stateFile, 'utf8')) as State)
        : { subscriptions: [], pending: [], deadLetters: [] };
    for (const s of options.subscriptions) this.subscribe(s);
    for (const delivery of this.state.pending) this.schedule(delivery);
  }

  /** Like SNS Subscribe for an HTTP endpoint (confirmed at once: it is local). The same endpoint and filter policy twice is one subscription. */
  subscribe(subscription: Subscription): { arn: string; created: boolean } {
    const same = this.state.subscriptions.find(
      (s) => s.endpoint === subscription.endpoint && sameJson(s.filterPolicy, subscription.filterPolicy),
    );
    if (same) return { arn: same.arn, created: false };
    const arn = `${LOCAL_TOPIC_ARN}:${randomUUID()}`;
    this.state.subscriptions.push({ ...subscription, arn });
    this.save();
    return { arn, created: true };
  }

  subscriptions(): readonly (Subscription & { arn: string })[] {
    return this.state.subscriptions;
  }

  /** Like SNS Unsubscribe: false when no subscription has that ARN. */
  unsubscribe(arn: string): boolean {
    const before = this.state.subscriptions.length;
    this.state.subscriptions = this.state.subscriptions.filter((s) => s.arn !== arn);
    this.save();
    return this.state.subscriptions.length < before;
  }

  deadLetters(): readonly Delivery[] {
    return this.state.deadLetters;
  }

  /** Like SNS Publish of one message: billed as one request for each 64 KiB of it. */
  publish(message: Notification, attributes: Record<string, string>, subject?: string): void {
    this.usage.publishes += billedRequests(
      messageBytes(
        JSON.stringify(message),
        Object.fromEntries(
          Object.entries(attributes).map(([k, v]) => [k, { DataType: 'String', StringValue: v }]),
        ),
      ),
    );
    this.fanOut(message, attributes, subject);
  }

  /**
   * SNS's Publish and PublishBatch actions, in its query protocol (what @aws-sdk/client-sns sends, found through
   * AWS_ENDPOINT_URL_SNS): the notifier publishes here with the very code that publishes to SNS in AWS, and is
   * refused what SNS refuses (local/sns-query.ts). Only requests signed with `accessKeyId` (the runtime's own, given
   * to its handlers) are taken. A request is billed as SNS bills it, whatever the number of its messages.
   */
  servePublish(body: string, authorization: string | undefined, accessKeyId: string): PublishAnswer {
    const requestId = randomUUID();
    const refuse = (error: SnsError): PublishAnswer => ({
      status: error.status,
      body: errorAnswer(error, requestId),
    });
    if (!authorization?.includes(`Credential=${accessKeyId}/`))
      return refuse(
        new SnsError(403, 'InvalidClientTokenId', 'The security token included in the request is invalid.'),
      );
    let request: PublishRequest;
    try {
      request = readPublish(new URLSearchParams(body));
    } catch (error) {
      if (error instanceof SnsError) return refuse(error);
      throw error;
    }
    if (request.topicArn !== LOCAL_TOPIC_ARN)
      return refuse(new SnsError(404, 'NotFound', 'Topic does not exist'));
    // AWS takes any text; this topic's subscribers expect notifications, so anything else is refused, whole.
    const messages: Notification[] = [];
    for (const m of request.messages)
      try {
        const message = JSON.parse(m.message) as Notification;
        if (typeof message?.id !== 'string' || typeof message.type !== 'string')
          throw new Error('not a notification');
        messages.push(message);
      } catch {
        return refuse(new SnsError(400, 'InvalidParameter', 'Message is not a Leadscore notification'));
      }
    this.usage.publishes += billedRequests(request.bytes);
    for (const [i, m] of request.messages.entries())
      this.fanOut(
        messages[i]!,
        Object.fromEntries(Object.entries(m.attributes).map(([k, v]) => [k, v.StringValue ?? ''])),
        m.subject,
      );
    return {
      status: 200,
      body: publishAnswer(
        request,
        request.messages.map(() => randomUUID()),
        requestId,
      ),
    };
  }

  /** Stops delivering; what is pending stays in the state file for the next start. */
  stop(): void {
    this.stopped = true;
    for (const timer of this.timers.values()) clearTimeout(timer);
    this.timers.clear();
  }

  /** One published message: printed, kept in the feed, and on its way to each subscriber whose policy it matches. */
  private fanOut(
    message: Notification,
    attributes: Record<string, string>,
    subject: string | undefined,
  ): void {
    const delivered = { message, attributes, at: new Date().toISOString() };
    this.feed.push(delivered);
    if (this.feed.length > 500) this.feed.shift();
    this.log(
      `notify ${message.type} ${message.leadId} ${message.model}: ${message.oldBand ?? '-'} -> ${message.newBand}${message.flag ? ` (${message.direction} ${message.flag})` : ''} score ${message.newScore}`,
    );
    for (const subscription of this.state.subscriptions) {
      if (!matchesPolicy(subscription.filterPolicy, attributes)) continue;
      const delivery: Delivery = {
        id: randomUUID(),
        endpoint: subscription.endpoint,
        envelope: envelopeOf(message, attributes, subject),
        attempts: 0,
        dueAt: Date.now(),
      };
      this.state.pending.push(delivery);
      this.schedule(delivery);
    }
    this.save();
  }

  private schedule(delivery: Delivery): void {
    const timer = setTimeout(
      () => {
        this.timers.delete(delivery.id);
        void this.attempt(delivery);
      },
      Math.max(0, delivery.dueAt - Date.now()),
    );
    timer.unref();
    this.timers.set(delivery.id, timer);
  }

  private async attempt(delivery: Delivery): Promise<void> {
    if (this.stopped) return;
    delivery.attempts++;
    this.usage.deliveryAttempts++;
    try {
      const response = await fetch(delivery.endpoint, {
        method: 'POST',
        headers: {
          'content-type': 'text/plain; charset=UTF-8',
          'x-amz-sns-message-type': 'Notification',
          'x-amz-sns-message-id': String(delivery.envelope.MessageId),
          'x-amz-sns-topic-arn': LOCAL_TOPIC_ARN,
        },
        body: JSON.stringify(delivery.envelope),
        signal: AbortSignal.timeout(15_000),
      });
      // SNS treats 2xx as delivered, and 4xx other than 429 as final too (the endpoint refused it).
      if (response.ok) return this.settle(delivery);
      delivery.lastError = `HTTP ${response.status}`;
      if (response.status >= 400 && response.status < 500 && response.status !== 429)
        return this.settle(delivery, true);
    } catch (error) {
      delivery.lastError = (error as Error).message;
    }
    if (this.stopped) return;
    if (delivery.attempts > HTTP_DELIVERY_POLICY.numRetries) return this.settle(delivery, true);
    delivery.dueAt = Date.now() + retryDelaySeconds(delivery.attempts) * 1000;
    this.save();
    this.schedule(delivery);
  }

  private settle(delivery: Delivery, dead = false): void {
    this.state.pending = this.state.pending.filter((d) => d.id !== delivery.id);
    if (dead) {
      this.state.deadLetters.push(delivery);
      if (this.state.deadLetters.length > 1000) this.state.deadLetters.shift();
      this.log(
        `notify: delivery to ${delivery.endpoint} given up after ${delivery.attempts} attempts (${delivery.lastError}); kept in the dead-letter list`,
      );
    }
    this.save();
  }

  private save(): void {
    if (!this.stateFile) return;
    // Written whole and renamed into place, so a crash never leaves half a file.
    writeFileSync(`${this.stateFile}.tmp`, JSON.stringify(this.state));
    renameSync(`${this.stateFile}.tmp`, this.stateFile);
  }
}

/** SNS's JSON envelope for an HTTP/S notification (raw message delivery off); Subject only when published with one. */
function envelopeOf(
  message: Notification,
  attributes: Record<string, string>,
  subject: string | undefined,
): Record<string, unknown> {
  return {
    Type: 'Notification',
    MessageId: randomUUID(),
    TopicArn: LOCAL_TOPIC_ARN,
    ...(subject !== undefined && { Subject: subject }),
    Message: JSON.stringify(message),
    Timestamp: new Date().toISOString(),
    SignatureVersion: '1',
    MessageAttributes: Object.fromEntries(
      Object.entries(attributes).map(([k, v]) => [k, { Type: 'String', Value: v }]),
    ),
  };
}

function sameJson(a: unknown, b: unknown): boolean {
  return JSON.stringify(a ?? null) === JSON.stringify(b ?? null);
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
