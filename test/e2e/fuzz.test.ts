import { request } from 'node:http';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { api, runtime } from '../helpers/runtime.ts';

const { hostname, port } = new URL(runtime.url);

/** A raw GET, so hostile paths and header values reach the server as they are (fetch would clean them up). */
function rawGet(
  path: string,
  headers: Record<string, string>,
): Promise<{ status: number; type: string | undefined; body: Buffer }> {
  return new Promise((done, fail) => {
    const req = request({ host: hostname, port, path, method: 'GET', headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () =>
        done({ status: res.statusCode ?? 0, type: res.headers['content-type'], body: Buffer.concat(chunks) }),
      );
    });
    req.on('error', fail);
    req.end();
  });
}

/** Query-string text: plain, percent-encoded (valid and broken), unicode, huge, and the pixel's own names. */
const queryPart = fc.oneof(
  fc.string({ maxLength: 40 }),
  fc.stringMatching(/^[a-z.]{1,4}=[^&#\s]{0,60}$/),
  fc.constantFrom(
    'a=',
    't=',
    't=abc.def',
    'e=Page View',
    'id=../../etc',
    'u=%',
    'u=%ZZ',
    'a=%00',
    'p.x=1',
    'p.__proto__=1',
    `a=${'x'.repeat(3000)}`,
  ),
  fc.string({ unit: 'binary', maxLength: 30 }).map((s) => encodeURIComponent(s)),
);
const hostileQuery = fc
  .array(queryPart, { maxLength: 8 })
  .map((parts) => parts.join('&').replace(/[\s#]/g, '_'));
// Within what a gateway forwards: API Gateway refuses requests whose headers pass ~10 KB before any handler runs.
const headerValue = fc.oneof(
  fc.string({ maxLength: 300 }).map((s) => s.replace(/[^\x20-\x7e]/g, '')),
  fc.constantFrom('', 'Googlebot/2.1', 'x'.repeat(2500)),
);

describe('pixel under hostile input', () => {
  it('always answers 200 with the GIF, never a 5xx', async () => {
    await fc.assert(
      fc.asyncProperty(hostileQuery, headerValue, headerValue, async (query, userAgent, referer) => {
        const res = await rawGet(`/p.gif?${query}`, { 'user-agent': userAgent, referer, cookie: referer });
        expect(res.status).toBe(200);
        expect(res.type).toBe('image/gif');
        expect(res.body.subarray(0, 6).toString()).toBe('GIF89a');
      }),
      { numRuns: 1500 },
    );
  });
});

describe('API bodies under hostile input', () => {
  const garbage = fc.oneof(
    fc.string({ maxLength: 200 }),
    fc.constantFrom(
      '',
      'null',
      '[]',
      '{',
      '{"events": null}',
      '{"events": {}}',
      '{"events": "x"}',
      '{"events": [null]}x',
      '\u0000',
    ),
  );
  it('malformed JSON or the wrong shape always gets a 400 problem', async () => {
    await fc.assert(
      fc.asyncProperty(garbage, async (body) => {
        let valid = true;
        try {
          const parsed = JSON.parse(body);
          valid =
            Array.isArray(parsed?.events) && parsed.events.length > 0 && Object.keys(parsed).length === 1;
        } catch {
          valid = false;
        }
        fc.pre(!valid);
        const res = await api('/v1/events', {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body,
        });
        expect(res.status).toBe(400);
        expect(res.headers.get('content-type')).toBe('application/problem+json');
      }),
      { numRuns: 300 },
    );
  });

  it('wrongly typed events are rejected one by one with a 200 and a reason each', async () => {
    const value = fc.oneof(
      fc.string({ maxLength: 20 }),
      fc.integer(),
      fc.boolean(),
      fc.constant(null),
      fc.array(fc.integer(), { maxLength: 2 }),
    );
    const event = fc.record(
      {
        eventId: value,
        leadId: value,
        anonymousId: value,
        type: value,
        occurredAt: value,
        properties: value,
      },
      { requiredKeys: [] },
    );
    await fc.assert(
      fc.asyncProperty(fc.array(event, { minLength: 1, maxLength: 20 }), async (events) => {
        const res = await api('/v1/events', { method: 'POST', json: { events } });
        expect(res.status).toBe(200);
        const body = (await res.json()) as { results: { status: string; errors?: unknown[] }[] };
        expect(body.results).toHaveLength(events.length);
        for (const r of body.results) {
          expect(['rejected', 'recorded', 'duplicate']).toContain(r.status);
          if (r.status === 'rejected') expect(r.errors?.length).toBeGreaterThan(0);
        }
      }),
      { numRuns: 150 },
    );
  });

  it('other routes answer bad bodies with 400, 413 or 415 problems', async () => {
    const routes = [
      ['PUT', '/v1/leads/fuzz/attributes'],
      ['POST', '/v1/leads/fuzz/outcomes'],
      ['POST', '/v1/identify'],
    ] as const;
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom(...routes),
        fc.oneof(fc.string({ maxLength: 100 }), fc.json({ maxDepth: 2 })),
        fc.constantFrom('application/json', 'text/plain', 'application/x-www-form-urlencoded'),
        async ([method, path], body, contentType) => {
          const res = await api(path, { method, headers: { 'content-type': contentType }, body });
          if (res.status < 300) return; // a body that happens to be valid
          expect([400, 409, 413, 415]).toContain(res.status);
          expect(res.headers.get('content-type')).toBe('application/problem+json');
          if (contentType !== 'application/json') expect(res.status).toBe(415);
        },
      ),
      { numRuns: 300 },
    );
  });
});
