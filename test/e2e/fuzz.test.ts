import { request } from 'node:http';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { signLeadToken } from '../../shared/security/tokens.ts';
import { api, itemsUnder, runtime } from '../helpers/runtime.ts';

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

describe('tokens, numbers, keys and cursors under hostile input', () => {
  const BROWSER =
    'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0 Safari/537.36';
  let n = 0;
  const fresh = (prefix: string) => `${prefix}-${process.pid}-${Date.now().toString(36)}-${++n}`;

  it('signed, expired and forged tokens: only a valid signature records, and only pixel activity', async () => {
    const kind = fc.constantFrom('signed', 'expired', 'forged-payload', 'forged-signature', 'other-secret');
    const type = fc.constantFrom(undefined, 'page_view', 'email_open', 'form_submit', 'meeting_booked');
    await fc.assert(
      fc.asyncProperty(kind, type, fc.boolean(), async (k, e, email) => {
        const lead = fresh('tok');
        const now = Math.floor(Date.now() / 1000);
        const claims = { l: lead, x: k === 'expired' ? now - 1 : now + 600, ...(email && { m: 'nl' }) };
        let t = signLeadToken(k === 'other-secret' ? 'y'.repeat(40) : runtime.signingSecret, claims);
        const [payload, signature] = t.split('.') as [string, string];
        if (k === 'forged-payload')
          t = `${Buffer.from(JSON.stringify({ ...claims, l: `${lead}x` })).toString('base64url')}.${signature}`;
        if (k === 'forged-signature') t = `${payload}.${signature.slice(0, -2)}AA`;
        const query = new URLSearchParams({ t, ...(e && { e }) });
        const res = await rawGet(`/p.gif?${query}`, { 'user-agent': BROWSER });
        expect(res.status).toBe(200);
        const written = await itemsUnder('activities', `LEAD#${lead}`);
        const allowed = e === undefined || e === 'page_view' || (e === 'email_open' && email);
        expect(written).toHaveLength(k === 'signed' && allowed ? 1 : 0);
        expect(await itemsUnder('activities', `LEAD#${lead}x`)).toEqual([]);
      }),
      { numRuns: 120 },
    );
  });

  /** Any IEEE 754 double that JSON can carry, its edges weighted in. */
  const number = fc.oneof(
    fc.double({ noNaN: true, noDefaultInfinity: true }),
    fc.constantFrom(
      2 ** 53,
      2 ** 53 + 2,
      -(2 ** 53),
      1e-130,
      9e-131,
      1e-300,
      5e-324,
      -0,
      1.7976931348623157e308,
      1e126,
    ),
  );
  const storable = (x: number) =>
    Math.abs(x) <= Number.MAX_SAFE_INTEGER && (x === 0 || Math.abs(x) >= 1e-130);

  it('numbers across the whole IEEE range: stored exactly, or a 400 naming the field and nothing written', async () => {
    await fc.assert(
      fc.asyncProperty(number, async (x) => {
        const lead = fresh('num');
        const event = { eventId: 'n', leadId: lead, type: 'page_view', occurredAt: new Date().toISOString() };
        const res = await api('/v1/events', {
          method: 'POST',
          json: { events: [{ ...event, properties: { x, nested: { y: x } } }] },
        });
        expect(res.status).toBe(200);
        const result = ((await res.json()) as { results: { status: string; errors?: { path: string }[] }[] })
          .results[0]!;
        const stored = await itemsUnder('activities', `LEAD#${lead}`);
        if (storable(x)) {
          expect(result.status).toBe('recorded');
          expect((stored[0]!.properties as { x: number }).x).toBe(x === 0 ? 0 : x);
        } else {
          expect(result.status).toBe('rejected');
          expect(result.errors!.map((e) => e.path)).toContain('properties.x');
          expect(stored).toEqual([]);
        }

        const attributes = await api(`/v1/leads/${lead}-a/attributes`, {
          method: 'PUT',
          json: { attributes: { employees: x, score: x } },
        });
        // employees must be a whole number of people; any storable number will do for a custom attribute.
        expect(attributes.status).toBe(storable(x) && Number.isInteger(x) && x >= 0 ? 200 : 400);
        if (attributes.status === 400) {
          expect(await attributes.text()).toMatch(/attributes\.(employees|score)/);
          expect(await itemsUnder('leads', `LEAD#${lead}-a`)).toEqual([]);
        }
        const outcome = await api(`/v1/leads/${lead}-o/outcomes`, {
          method: 'POST',
          json: { outcome: 'won', value: x },
        });
        expect(outcome.status).toBe(storable(x) && x >= 0 ? 201 : 400);
        if (outcome.status === 400) expect(await itemsUnder('leads', `LEAD#${lead}-o`)).toEqual([]);
      }),
      { numRuns: 150 },
    );
  });

  it('empty and hostile property and attribute names: a 400 or rejection naming them, never a 500', async () => {
    const name = fc.oneof(
      fc.constantFrom(
        '',
        ' ',
        '__proto__',
        'constructor',
        'prototype',
        '\u0000',
        'a\nb',
        '#',
        'a.b',
        'x'.repeat(65),
      ),
      fc.string({ maxLength: 70 }),
    );
    await fc.assert(
      fc.asyncProperty(name, async (key) => {
        const lead = fresh('key');
        const res = await api('/v1/events', {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          // As text: JSON.stringify of an object would drop a __proto__ key before it left.
          body: `{"events":[{"eventId":"k","leadId":"${lead}","type":"page_view","occurredAt":"${new Date().toISOString()}","properties":{${JSON.stringify(key)}:1}}]}`,
        });
        expect(res.status).toBe(200);
        const result = ((await res.json()) as { results: { status: string }[] }).results[0]!;
        expect(['recorded', 'rejected']).toContain(result.status);
        if (result.status === 'rejected') expect(await itemsUnder('activities', `LEAD#${lead}`)).toEqual([]);
        else expect(key.length).toBeGreaterThan(0);

        const attributes = await api(`/v1/leads/${lead}/attributes`, {
          method: 'PUT',
          headers: { 'content-type': 'application/json' },
          body: `{"attributes":{${JSON.stringify(key)}:"v"}}`,
        });
        expect([200, 400]).toContain(attributes.status);
        if (key === '') expect(attributes.status).toBe(400);
      }),
      { numRuns: 200 },
    );
  });

  it('crafted and stale cursors are a 400, never a 500', async () => {
    const cursorJson = fc.oneof(
      fc.json({ maxDepth: 3 }),
      fc
        .record({
          band: fc.constantFrom('hot', 'warm', 'cold', 'nope', ''),
          key: fc.oneof(
            fc.constant(undefined),
            fc.dictionary(
              fc.constantFrom('pk', 'sk', 'rankKey', 'rankScore', 'x'),
              fc.oneof(fc.string(), fc.integer()),
            ),
            fc.record({
              pk: fc.constantFrom('LEAD#a', 'LEAD#', 'X', ''),
              sk: fc.constantFrom('SCORE#default', 'SCORE#', ''),
              rankKey: fc.constantFrom('RANK#default#hot', 'RANK#other#hot', ''),
              rankScore: fc.constantFrom('000000000000#a', 'x', ''),
            }),
          ),
        })
        .map((c) => JSON.stringify(c)),
    );
    const cursor = fc.oneof(
      cursorJson.map((text) => Buffer.from(text).toString('base64url')),
      fc.string({ maxLength: 100 }).map(encodeURIComponent),
    );
    await fc.assert(
      fc.asyncProperty(cursor, fc.constantFrom('', '&band=hot', '&band=cold'), async (c, band) => {
        const res = await api(`/v1/leads?cursor=${c}${band}`);
        expect([200, 400]).toContain(res.status);
        const feed = await api(`/v1/notifications?after=${c}`);
        expect([200, 400]).toContain(feed.status);
      }),
      { numRuns: 300 },
    );
  });
});
