import { describe, expect, it } from 'vitest';
import { api, runtime } from '../helpers/runtime.ts';

// The local runtime's own routes are as guarded as /v1: an API key, and a 400 for what they cannot read.
describe('the local runtime control routes', () => {
  it.each([
    ['GET', '/local/metrics'],
    ['GET', '/local/notifications'],
    ['GET', '/local/subscriptions'],
    ['POST', '/local/subscriptions'],
    ['DELETE', '/local/subscriptions'],
    ['POST', '/local/decay'],
    ['POST', '/local/events'],
    ['GET', '/local/failures'],
    ['GET', '/local/async-failures'],
  ])('%s %s needs the API key', async (method, path) => {
    const body = method === 'GET' ? {} : { json: {} };
    const response = await api(path, { method, key: null, ...body });
    expect(response.status).toBe(401);
    expect(response.headers.get('content-type')).toContain('application/problem+json');
    const forged = await api(path, { method, key: 'lsk_not-a-key', ...body });
    expect(forged.status).toBe(401);
  });

  it('answers malformed bodies with a 400 that says what to send', async () => {
    for (const [path, body] of [
      ['/local/subscriptions', '{not json'],
      ['/local/subscriptions', '{"endpoint": "ftp://x"}'],
      ['/local/decay', '{"at": "tomorrow"}'],
      ['/local/events', '{"Entries": "x"}'],
    ] as const) {
      const response = await api(path, {
        method: 'POST',
        body,
        headers: { 'content-type': 'application/json' },
      });
      expect(response.status, `${path} ${body}`).toBe(400);
      expect(((await response.json()) as { detail: string }).detail).toMatch(/send/);
    }
  });

  it('subscribes an endpoint once, lists and removes it', async () => {
    // Act: the same subscription twice.
    const endpoint = `http://127.0.0.1:9/hook-${process.pid}-${Date.now()}`;
    const first = await api('/local/subscriptions', { method: 'POST', json: { endpoint } });
    const second = await api('/local/subscriptions', { method: 'POST', json: { endpoint } });

    // Assess: one subscription, with one ARN; it can be listed and deleted.
    expect(first.status).toBe(201);
    expect(second.status).toBe(200);
    const { arn } = (await first.json()) as { arn: string };
    expect(((await second.json()) as { arn: string }).arn).toBe(arn);
    const listed = (await (await api('/local/subscriptions')).json()) as { endpoint: string; arn: string }[];
    expect(listed.filter((s) => s.endpoint === endpoint)).toEqual([expect.objectContaining({ arn })]);
    expect((await api('/local/subscriptions', { method: 'DELETE', json: { arn } })).status).toBe(204);
    expect((await api('/local/subscriptions', { method: 'DELETE', json: { arn } })).status).toBe(404);
  });

  it.each([
    ['Publish', ''],
    ['PublishBatch', 'PublishBatchRequestEntries.member.1.'],
  ])("takes SNS %s only signed with the runtime's own key", async (action, prefix) => {
    const form = new URLSearchParams({
      Action: action,
      TopicArn: 'arn:aws:sns:us-east-1:000000000000:leadscore-local-notifications',
      ...(prefix && { [`${prefix}Id`]: 'forged' }),
      [`${prefix}Message`]: JSON.stringify({ id: 'forged', type: 'band_crossing', leadId: 'x' }),
    });
    const unsigned = await fetch(`${runtime.url}/local/sns`, { method: 'POST', body: form });
    expect(unsigned.status).toBe(403);
    const forged = await fetch(`${runtime.url}/local/sns`, {
      method: 'POST',
      body: form,
      headers: { authorization: 'AWS4-HMAC-SHA256 Credential=local/20261130/us-east-1/sns/aws4_request' },
    });
    expect(forged.status).toBe(403);
    const feed = (await (await api('/local/notifications')).json()) as { message: { id: string } }[];
    expect(feed.some((f) => f.message.id === 'forged')).toBe(false);
  });
});
