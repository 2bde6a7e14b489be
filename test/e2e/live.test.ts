import { createServer, type Server } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Notification } from '../../shared/notify/notifications.ts';
import { scoreOf } from '../../shared/store/scores.ts';
import { api, BROWSER_UA, itemsUnder, runtime, uniqueId, until } from '../helpers/runtime.ts';

/** A webhook subscriber, as a team would run one: it records every SNS envelope it is sent. */
let server: Server;
const received: { at: number; message: Notification; attributes: Record<string, { Value: string }> }[] = [];
let endpoint = '';

beforeAll(async () => {
  server = createServer((request, response) => {
    let body = '';
    request.on('data', (c: Buffer) => {
      body += c.toString();
    });
    request.on('end', () => {
      const envelope = JSON.parse(body) as {
        Type: string;
        Message: string;
        MessageAttributes: Record<string, { Value: string }>;
      };
      if (envelope.Type === 'Notification')
        received.push({
          at: Date.now(),
          message: JSON.parse(envelope.Message),
          attributes: envelope.MessageAttributes,
        });
      response.writeHead(200).end();
    });
  });
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
  endpoint = `http://127.0.0.1:${(server.address() as { port: number }).port}/hook`;
  // Only band crossings, as a sales team's "tell me who turned hot" hook would ask.
  const subscribed = await api('/local/subscriptions', {
    method: 'POST',
    json: { endpoint, filterPolicy: { type: ['band_crossing'] } },
  });
  expect(subscribed.status).toBe(201);
});
afterAll(() => new Promise<void>((done) => server.close(() => done())));

const forLead = (leadId: string) => received.filter((r) => r.message.leadId === leadId);
/** Records the runtime's notifier failed so far (its `notify.failed` counter). */
const notifyFailures = async () =>
  ((await (await api('/local/metrics')).json()) as Record<string, number>)['notify.failed'] ?? 0;

describe('live scoring and notifications', () => {
  it('an event dated minutes ahead is in the stored score, and its crossing announced, at once', async () => {
    // Prepare
    const lead = uniqueId('ahead');
    const ahead = new Date(Date.now() + 4 * 60_000).toISOString();
    const event = (eventId: string, type: string, properties: object) => ({
      eventId,
      leadId: lead,
      type,
      occurredAt: ahead,
      properties,
    });

    // Act: a pricing view and a demo request from a sender whose clock runs four minutes fast.
    const response = await api('/v1/events', {
      method: 'POST',
      json: {
        events: [event('p', 'page_view', { path: '/pricing' }), event('d', 'form_submit', { form: 'demo' })],
      },
    });
    expect(((await response.json()) as { recorded: number }).recorded).toBe(2);

    // Assess: long before those four minutes are up.
    const crossing = await until(() => forLead(lead)[0], 60_000);
    expect(crossing.message).toMatchObject({ type: 'band_crossing', newBand: 'hot' });
    expect(Date.now()).toBeLessThan(Date.parse(ahead));
    const stored = (await itemsUnder('leads', `LEAD#${lead}`)).find((i) => i.entity === 'score');
    expect(stored).toMatchObject({ band: 'hot' });
    const read = (await (await api(`/v1/leads/${lead}`)).json()) as { scores: { band: string }[] };
    expect(read.scores[0]!.band).toBe('hot');
  });

  it('a lead pushed over the hot threshold is announced once, with its reasons, within two seconds; decay brings one crossing down', async () => {
    // Prepare: a visitor views the pricing page (11 points: cold, no crossing), and identifies.
    const visitor = uniqueId('v');
    const lead = uniqueId('hot');
    await fetch(`${runtime.url}/p.gif?a=${visitor}&u=%2Fpricing`, { headers: { 'user-agent': BROWSER_UA } });
    await api('/v1/identify', { method: 'POST', json: { anonymousId: visitor, leadId: lead } });
    const cold = await until(
      async () => (await itemsUnder('leads', `LEAD#${lead}`)).find((i) => i.entity === 'score'),
      5000,
    );
    expect(scoreOf(cold!)).toMatchObject({ band: 'cold', model: 'default' });

    // Act: a demo request: 10 + 1 (views) + 30 (demo) + 10 (pricing and demo) = 51, hot.
    const response = await api('/v1/events', {
      method: 'POST',
      json: {
        events: [
          {
            eventId: 'demo-1',
            leadId: lead,
            type: 'form_submit',
            occurredAt: new Date().toISOString(),
            properties: { form: 'demo' },
          },
        ],
      },
    });
    expect(response.status).toBe(200);

    // Assess: exactly one crossing reaches the subscriber, with the reasons. (How fast is the pipeline
    // benchmark's business: a busy CI machine says nothing about latency.)
    const first = await until(() => forLead(lead)[0]);
    expect(first.message).toMatchObject({
      type: 'band_crossing',
      oldBand: 'cold',
      newBand: 'hot',
      direction: 'up',
      passed: ['warm', 'hot'],
      model: 'default',
    });
    expect(first.message.newScore).toBeGreaterThanOrEqual(50);
    expect(first.message.reasons.map((r) => r.rule)).toEqual(
      expect.arrayContaining(['demo-request', 'pricing-page', 'pricing-and-demo']),
    );
    expect(first.attributes).toMatchObject({
      type: { Value: 'band_crossing' },
      band: { Value: 'hot' },
      direction: { Value: 'up' },
    });
    await new Promise((r) => setTimeout(r, 1000));
    expect(forLead(lead)).toHaveLength(1);
    // The high-intent flag was published too, but this subscriber's filter policy leaves it out.
    const feed = (await (await api('/local/notifications')).json()) as {
      message: Notification;
    }[];
    expect(
      feed.some(
        (f) =>
          f.message.leadId === lead && f.message.type === 'flag_raised' && f.message.flag === 'high-intent',
      ),
    ).toBe(true);

    // Act: the decay sweep, run as if 60 days had passed.
    const at = new Date(Date.now() + 60 * 86_400_000).toISOString();
    const sweep = (await (await api('/local/decay', { method: 'POST', json: { at } })).json()) as {
      visited: number;
      written: number;
    };
    expect(sweep.visited).toBeGreaterThanOrEqual(1);

    // Assess: one crossing down, announced once.
    const second = await until(() => forLead(lead)[1]);
    expect(second.message).toMatchObject({
      type: 'band_crossing',
      oldBand: 'hot',
      newBand: 'cold',
      direction: 'down',
      cause: { kind: 'decay' },
    });
    await new Promise((r) => setTimeout(r, 500));
    expect(forLead(lead)).toHaveLength(2);
  });

  it('a dozen leads turning hot at once: each crossing published in PublishBatch requests and delivered once', async () => {
    // Prepare: twelve leads, each with a pricing page view (11 points: cold, no crossing).
    const leads = Array.from({ length: 12 }, () => uniqueId('many'));
    const send = async (type: string, properties: object) => {
      const events = leads.map((leadId) => ({
        eventId: type,
        leadId,
        type,
        occurredAt: new Date().toISOString(),
        properties,
      }));
      const response = await api('/v1/events', { method: 'POST', json: { events } });
      expect(((await response.json()) as { recorded: number }).recorded).toBe(leads.length);
    };
    await send('page_view', { path: '/pricing' });
    for (const lead of leads)
      await until(async () => (await itemsUnder('leads', `LEAD#${lead}`)).find((i) => i.entity === 'score'));

    const failedBefore = await notifyFailures();

    // Act: all twelve ask for a demo in one request: the notifier's batches hold their 24 notifications (a crossing
    // and a flag raised each), more than one PublishBatch request takes.
    await send('form_submit', { form: 'demo' });

    // Assess: each lead's crossing reaches the subscriber once, with its attributes; the flags are published too.
    await until(() => (leads.every((lead) => forLead(lead).length > 0) ? true : undefined), 60_000);
    await new Promise((r) => setTimeout(r, 1000));
    for (const lead of leads) {
      expect(forLead(lead).map((r) => [r.message.type, r.message.oldBand, r.message.newBand])).toEqual([
        ['band_crossing', 'cold', 'hot'],
      ]);
      expect(forLead(lead)[0]!.attributes).toMatchObject({
        type: { Value: 'band_crossing' },
        band: { Value: 'hot' },
      });
    }
    const feed = (await (await api('/local/notifications')).json()) as { message: Notification }[];
    for (const lead of leads)
      expect(feed.some((f) => f.message.leadId === lead && f.message.type === 'flag_raised')).toBe(true);
    // Published as sent: SNS refused nothing (a refused batch would have been replayed, split, until it fitted).
    expect(await notifyFailures()).toBe(failedBefore);
  });

  it('zero-point and repeated activity writes no score', async () => {
    const lead = uniqueId('quiet');
    const event = { eventId: 'x', leadId: lead, type: 'custom_thing', occurredAt: new Date().toISOString() };
    await api('/v1/events', { method: 'POST', json: { events: [event] } });
    await new Promise((r) => setTimeout(r, 800));
    expect((await itemsUnder('leads', `LEAD#${lead}`)).filter((i) => i.entity === 'score')).toEqual([]);
  });
});
