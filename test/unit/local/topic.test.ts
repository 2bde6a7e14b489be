import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  PublishBatchCommand,
  type PublishBatchRequestEntry,
  PublishCommand,
  SNSClient,
} from '@aws-sdk/client-sns';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { LOCAL_TOPIC_ARN, LocalTopic } from '../../../local/topic.ts';
import { HTTP_DELIVERY_POLICY } from '../../../shared/notify/delivery.ts';
import type { Notification } from '../../../shared/notify/notifications.ts';

const message = { id: 'n-1', type: 'band_crossing', leadId: 'ana', model: 'default' } as Notification;

/** A subscriber answering with the next status of `statuses` (the last one repeats). */
async function subscriber(statuses: number[]): Promise<{ server: Server; url: string; times: number[] }> {
  const times: number[] = [];
  const server = createServer((request, response) => {
    request.resume();
    times.push(Date.now());
    response.writeHead(statuses[Math.min(times.length - 1, statuses.length - 1)]!).end();
  });
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
  return { server, url: `http://127.0.0.1:${(server.address() as { port: number }).port}/hook`, times };
}

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'leadscore-topic-'));
});
afterEach(() => {
  vi.useRealTimers();
  rmSync(dir, { recursive: true, force: true });
});

describe('the local topic delivers to HTTP subscribers as SNS does', () => {
  it('retries a failing endpoint by the delivery policy, then keeps the message as a dead letter', async () => {
    // Prepare
    vi.useFakeTimers({ toFake: ['setTimeout', 'Date'] });
    const hook = await subscriber([500]);
    const topic = new LocalTopic({
      subscriptions: [{ endpoint: hook.url }],
      stateFile: undefined,
      log: () => {},
    });

    // Act: publish, and let an hour pass.
    topic.publish(message, { type: 'band_crossing' });
    for (let i = 0; i < 200 && topic.deadLetters().length === 0; i++) await vi.advanceTimersByTimeAsync(1000);

    // Assess: the first attempt and each retry, 20 s apart, then the dead-letter list.
    expect(hook.times).toHaveLength(1 + HTTP_DELIVERY_POLICY.numRetries);
    for (let i = 1; i < hook.times.length; i++)
      expect(hook.times[i]! - hook.times[i - 1]!).toBeGreaterThanOrEqual(20_000);
    expect(topic.deadLetters()).toMatchObject([{ endpoint: hook.url, attempts: 4, lastError: 'HTTP 500' }]);
    topic.stop();
    hook.server.close();
  });

  it('keeps pending deliveries and subscriptions across a restart, and subscribes an endpoint once', async () => {
    // Prepare: a subscriber that is down when the message is published.
    vi.useFakeTimers({ toFake: ['setTimeout', 'Date'] });
    const hook = await subscriber([200]);
    const port = (hook.server.address() as { port: number }).port;
    await new Promise<void>((done) => hook.server.close(() => done()));
    const stateFile = join(dir, 'topic.json');
    const first = new LocalTopic({ subscriptions: [], stateFile, log: () => {} });
    expect(first.subscribe({ endpoint: hook.url }).created).toBe(true);
    expect(first.subscribe({ endpoint: hook.url }).created).toBe(false);
    first.publish(message, { type: 'band_crossing' });
    await vi.advanceTimersByTimeAsync(1000);
    first.stop();

    // Act: the runtime restarts, the subscriber is back, and the retry falls due.
    await new Promise<void>((done) => hook.server.listen(port, '127.0.0.1', done));
    const second = new LocalTopic({ subscriptions: [], stateFile, log: () => {} });
    for (let i = 0; i < 60 && hook.times.length === 0; i++) await vi.advanceTimersByTimeAsync(1000);

    // Assess: delivered once, after the restart; one subscription, which can be removed.
    expect(hook.times).toHaveLength(1);
    expect(second.subscriptions()).toHaveLength(1);
    expect(second.unsubscribe(second.subscriptions()[0]!.arn)).toBe(true);
    expect(second.subscriptions()).toHaveLength(0);
    second.stop();
    hook.server.close();
  });
});

/** The topic behind an HTTP server, as the runtime serves it, and an SDK client signing with the runtime's key. */
async function served(topic: LocalTopic) {
  const key = 'LOCALTESTKEY';
  const server = createServer((request, response) => {
    let body = '';
    request.on('data', (c: Buffer) => {
      body += c.toString();
    });
    request.on('end', () => {
      const answer = topic.servePublish(body, request.headers.authorization, key);
      response.writeHead(answer.status, { 'content-type': 'text/xml' }).end(answer.body);
    });
  });
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
  const sns = new SNSClient({
    endpoint: `http://127.0.0.1:${(server.address() as { port: number }).port}`,
    region: 'us-east-1',
    credentials: { accessKeyId: key, secretAccessKey: 'local' },
  });
  const close = () => {
    sns.destroy();
    return new Promise<void>((done) => server.close(() => done()));
  };
  return { sns, close };
}

/** A batch entry carrying a notification of about `bytes` bytes. */
function entry(id: string, bytes = 0): PublishBatchRequestEntry {
  return {
    Id: id,
    Message: JSON.stringify({ ...message, id: `n-${id}`, padding: 'x'.repeat(bytes) }),
    MessageAttributes: { type: { DataType: 'String', StringValue: 'band_crossing' } },
  };
}

describe('the local topic serves SNS PublishBatch as SNS does', () => {
  it('takes up to ten messages a request, answers for each entry, delivers each, and bills per 64 KiB', async () => {
    // Prepare
    const hook = await subscriber([200]);
    const topic = new LocalTopic({
      subscriptions: [{ endpoint: hook.url }],
      stateFile: undefined,
      log: () => {},
    });
    const { sns, close } = await served(topic);

    // Act: ten small messages in one request; then two of about 50 KB in one; then one of about 70 KB alone.
    const small = await sns.send(
      new PublishBatchCommand({
        TopicArn: LOCAL_TOPIC_ARN,
        PublishBatchRequestEntries: Array.from({ length: 10 }, (_, i) => entry(`e${i}`)),
      }),
    );
    const afterSmall = topic.usage.publishes;
    await sns.send(
      new PublishBatchCommand({
        TopicArn: LOCAL_TOPIC_ARN,
        PublishBatchRequestEntries: [entry('a', 50_000), entry('b', 50_000)],
      }),
    );
    const afterLarge = topic.usage.publishes;
    await sns.send(
      new PublishCommand({
        TopicArn: LOCAL_TOPIC_ARN,
        Message: entry('c', 70_000).Message,
        Subject: 'Hot lead',
      }),
    );
    for (let i = 0; i < 100 && hook.times.length < 13; i++) await new Promise((r) => setTimeout(r, 20));

    // Assess: every entry answered by its id; one billed request for the ten, two for 100 KB, two for 70 KB;
    // a delivery per message.
    expect(small.Successful?.map((s) => s.Id)).toEqual(Array.from({ length: 10 }, (_, i) => `e${i}`));
    expect(small.Successful?.every((s) => /^[0-9a-f-]{36}$/.test(s.MessageId ?? ''))).toBe(true);
    expect(small.Failed).toEqual([]);
    expect([afterSmall, afterLarge, topic.usage.publishes]).toEqual([1, 3, 5]);
    expect(topic.feed.map((f) => f.message.id)).toEqual([
      ...Array.from({ length: 10 }, (_, i) => `n-e${i}`),
      'n-a',
      'n-b',
      'n-c',
    ]);
    expect(topic.feed[0]!.attributes).toEqual({ type: 'band_crossing' });
    expect(hook.times).toHaveLength(13);
    expect(topic.usage.deliveryAttempts).toBe(13);
    topic.stop();
    await close();
    hook.server.close();
  });

  it('passes a subject on in the envelope, as SNS does', async () => {
    // Prepare: a subscriber that keeps the envelopes.
    const envelopes: Record<string, unknown>[] = [];
    const server = createServer((request, response) => {
      let body = '';
      request.on('data', (c: Buffer) => {
        body += c.toString();
      });
      request.on('end', () => {
        envelopes.push(JSON.parse(body));
        response.writeHead(200).end();
      });
    });
    await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
    const url = `http://127.0.0.1:${(server.address() as { port: number }).port}/hook`;
    const topic = new LocalTopic({ subscriptions: [{ endpoint: url }], stateFile: undefined, log: () => {} });
    const { sns, close } = await served(topic);

    // Act
    await sns.send(
      new PublishBatchCommand({
        TopicArn: LOCAL_TOPIC_ARN,
        PublishBatchRequestEntries: [{ ...entry('s'), Subject: 'Hot lead' }, entry('t')],
      }),
    );
    for (let i = 0; i < 100 && envelopes.length < 2; i++) await new Promise((r) => setTimeout(r, 20));

    // Assess
    expect(envelopes.map((e) => e.Subject)).toEqual(['Hot lead', undefined]);
    topic.stop();
    await close();
    server.close();
  });

  const ids = (n: number) => Array.from({ length: n }, (_, i) => entry(`e${i}`));
  it.each([
    ['more than ten entries', ids(11), 'TooManyEntriesInBatchRequestException'],
    ['no entry', [], 'EmptyBatchRequestException'],
    ['two entries with one id', [entry('same'), entry('same')], 'BatchEntryIdsNotDistinctException'],
    ['an id SNS does not allow', [entry('not:allowed')], 'InvalidBatchEntryIdException'],
    ['an id over 80 characters', [entry('x'.repeat(81))], 'InvalidBatchEntryIdException'],
    [
      'more than 256 KiB together',
      [entry('a', 90_000), entry('b', 90_000), entry('c', 90_000)],
      'BatchRequestTooLongException',
    ],
  ])('refuses a batch with %s, publishing none of it', async (_, entries, expected) => {
    // Prepare
    const topic = new LocalTopic({ subscriptions: [], stateFile: undefined, log: () => {} });
    const { sns, close } = await served(topic);

    // Act
    const error = await sns
      .send(new PublishBatchCommand({ TopicArn: LOCAL_TOPIC_ARN, PublishBatchRequestEntries: entries }))
      .catch((e: Error) => e);

    // Assess: SNS's error, as the SDK names it; nothing published, nothing billed.
    expect((error as Error).name).toBe(expected);
    expect(topic.feed).toEqual([]);
    expect(topic.usage.publishes).toBe(0);
    await close();
  });

  it('refuses a Publish over 256 KiB', async () => {
    const topic = new LocalTopic({ subscriptions: [], stateFile: undefined, log: () => {} });
    const { sns, close } = await served(topic);
    const error = await sns
      .send(new PublishCommand({ TopicArn: LOCAL_TOPIC_ARN, Message: entry('big', 262_144).Message }))
      .catch((e: Error) => e);
    expect((error as Error).name).toBe('InvalidParameterException');
    expect(topic.usage.publishes).toBe(0);
    await close();
  });
});
