import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { LocalTopic } from '../../../local/topic.ts';
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
