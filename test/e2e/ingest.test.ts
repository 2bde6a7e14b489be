import { describe, expect, it } from 'vitest';
import { signLeadToken, signRedirect } from '../../shared/security/tokens.ts';
import {
  api,
  BROWSER_UA,
  itemsMentioning,
  itemsUnder,
  runtime,
  uniqueId,
  until,
} from '../helpers/runtime.ts';

const GIF_MAGIC = 'GIF89a';

async function pixel(query: Record<string, string>, userAgent = BROWSER_UA): Promise<Response> {
  return fetch(`${runtime.url}/p.gif?${new URLSearchParams(query)}`, {
    headers: { 'user-agent': userAgent },
  });
}

function token(leadId: string, extra: { m?: string; s?: number; x?: number } = {}): string {
  return signLeadToken(runtime.signingSecret, {
    l: leadId,
    x: Math.floor(Date.now() / 1000) + 3600,
    ...extra,
  });
}

describe('tracking pixel', () => {
  it('answers a GIF with no-cache headers and writes one ledger item', async () => {
    const visitor = uniqueId('v');
    const response = await pixel({ a: visitor, u: 'https://acme.test/pricing?plan=pro' });
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe('image/gif');
    expect(response.headers.get('cache-control')).toContain('no-store');
    expect(
      Buffer.from(await response.arrayBuffer())
        .subarray(0, 6)
        .toString(),
    ).toBe(GIF_MAGIC);

    const items = await itemsUnder('activities', `ANON#${visitor}`);
    expect(items).toHaveLength(1);
    expect(items[0]).toMatchObject({
      type: 'page_view',
      anonymousId: visitor,
      properties: { path: '/pricing' },
      source: 'pixel',
    });
    expect(items[0]!.bot).toBeUndefined();
  });

  it('records an e-mail open for the lead in a valid token', async () => {
    const lead = uniqueId('lead');
    await pixel({ t: token(lead, { m: 'nl-7' }) });
    const items = await itemsUnder('activities', `LEAD#${lead}`);
    expect(items).toHaveLength(1);
    expect(items[0]).toMatchObject({ type: 'email_open', leadId: lead, properties: { emailId: 'nl-7' } });
  });

  it('writes nothing for a forged token, and still answers the GIF', async () => {
    const lead = uniqueId('victim');
    const forged = `${Buffer.from(JSON.stringify({ l: lead, x: 9_999_999_999 })).toString('base64url')}.not-a-signature`;
    const response = await pixel({ t: forged, a: uniqueId('v') });
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe('image/gif');
    expect(await itemsUnder('activities', `LEAD#${lead}`)).toEqual([]);
    const metrics = (await (await api('/local/metrics')).json()) as Record<string, number>;
    expect(metrics['pixel.rejected.forged-token']).toBeGreaterThanOrEqual(1);
  });

  it('takes only pixel activity: page views unsigned, e-mail opens with a signed e-mail token', async () => {
    // Prepare
    const visitor = uniqueId('v');
    const lead = uniqueId('lead');
    const metrics = async () => (await (await api('/local/metrics')).json()) as Record<string, number>;
    const before = (await metrics())['pixel.rejected.type-not-allowed'] ?? 0;

    // Act: a page script forging intent, then what the pixel is for.
    const forgeries: Record<string, string>[] = [
      { a: visitor, e: 'form_submit', 'p.form': 'demo' },
      { a: visitor, e: 'meeting_booked' },
      { a: visitor, e: 'email_open' },
      { t: token(lead), e: 'form_submit' },
      { t: token(lead), e: 'email_open' },
    ];
    for (const forged of forgeries)
      expect((await pixel(forged)).headers.get('content-type')).toBe('image/gif');
    await pixel({ a: visitor, e: 'page_view', id: 'pv' });
    await pixel({ t: token(lead, { m: 'nl-3' }), e: 'email_open', id: 'open' });

    // Assess: the forged five are counted and wrote nothing.
    expect((await metrics())['pixel.rejected.type-not-allowed']).toBeGreaterThanOrEqual(before + 5);
    expect((await itemsUnder('activities', `ANON#${visitor}`)).map((i) => i.type)).toEqual(['page_view']);
    expect((await itemsUnder('activities', `LEAD#${lead}`)).map((i) => i.type)).toEqual(['email_open']);
  });

  it('writes nothing for an expired token', async () => {
    const lead = uniqueId('lead');
    await pixel({ t: token(lead, { x: Math.floor(Date.now() / 1000) - 1 }) });
    expect(await itemsUnder('activities', `LEAD#${lead}`)).toEqual([]);
  });

  it('keeps bot and machine-open hits, flagged', async () => {
    const crawler = uniqueId('v');
    await pixel(
      { a: crawler, u: '/blog/x' },
      'Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)',
    );
    expect((await itemsUnder('activities', `ANON#${crawler}`))[0]).toMatchObject({
      bot: true,
      properties: { botReason: 'crawler' },
    });

    const lead = uniqueId('lead');
    await pixel({ t: token(lead, { m: 'nl-1', s: Math.floor(Date.now() / 1000) }) });
    expect((await itemsUnder('activities', `LEAD#${lead}`))[0]).toMatchObject({
      bot: true,
      properties: { botReason: 'prefetch' },
    });
  });

  it('the same eventId three times writes one item', async () => {
    const visitor = uniqueId('v');
    for (let i = 0; i < 3; i++) await pixel({ a: visitor, id: 'hit-1' });
    expect(await itemsUnder('activities', `ANON#${visitor}`)).toHaveLength(1);
  });
});

describe('events API', () => {
  it('records a batch once per eventId and answers per event', async () => {
    const lead = uniqueId('lead');
    const event = {
      eventId: 'e-1',
      leadId: lead,
      type: 'download',
      occurredAt: '2026-11-20T10:00:00Z',
      properties: { asset: 'guide' },
    };
    for (let i = 0; i < 3; i++) {
      const response = await api('/v1/events', { method: 'POST', json: { events: [event] } });
      expect(response.status).toBe(200);
      const body = (await response.json()) as { results: { status: string }[] };
      expect(body.results[0]!.status).toBe(i === 0 ? 'recorded' : 'duplicate');
    }
    expect(await itemsUnder('activities', `LEAD#${lead}`)).toHaveLength(1);
  });

  it('rejects bad events one by one and records the good ones', async () => {
    const lead = uniqueId('lead');
    const response = await api('/v1/events', {
      method: 'POST',
      json: {
        events: [
          { eventId: 'ok', leadId: lead, type: 'page_view', occurredAt: '2026-11-20T10:00:00Z' },
          { eventId: 'no-identity', type: 'page_view', occurredAt: '2026-11-20T10:00:00Z' },
          { eventId: 'future', leadId: lead, type: 'page_view', occurredAt: '2099-01-01T00:00:00Z' },
          { eventId: 'bad-type', leadId: lead, type: 'Page View', occurredAt: '2026-11-20T10:00:00Z' },
        ],
      },
    });
    const body = (await response.json()) as {
      recorded: number;
      rejected: number;
      results: { eventId: string; status: string; errors?: { path: string }[] }[];
    };
    expect(body.recorded).toBe(1);
    expect(body.rejected).toBe(3);
    expect(body.results.map((r) => [r.eventId, r.status, r.errors?.[0]?.path])).toEqual([
      ['ok', 'recorded', undefined],
      ['no-identity', 'rejected', 'leadId'],
      ['future', 'rejected', 'occurredAt'],
      ['bad-type', 'rejected', 'type'],
    ]);
  });

  it('takes the key as x-api-key too', async () => {
    const response = await api('/v1/events', {
      method: 'POST',
      key: null,
      headers: { 'x-api-key': runtime.apiKey },
      json: {
        events: [
          { eventId: 'xk', leadId: uniqueId('lead'), type: 'page_view', occurredAt: '2026-11-20T10:00:00Z' },
        ],
      },
    });
    expect(response.status).toBe(200);
  });

  it.each([
    ['no key', { key: null, json: { events: [] } }, 401],
    ['a wrong key', { key: 'lsk_wrong', json: { events: [] } }, 401],
    ['not JSON', { headers: { 'content-type': 'application/json' }, body: '{"events": [' }, 400],
    ['the wrong content type', { headers: { 'content-type': 'text/plain' }, body: '{}' }, 415],
    ['no events array', { json: { event: [] } }, 400],
    [
      'too many events',
      { json: { events: Array.from({ length: 101 }, (_, i) => ({ eventId: `e${i}` })) } },
      413,
    ],
    ['too large a body', { json: { events: [{ eventId: 'x', pad: 'x'.repeat(300_000) }] } }, 413],
  ] as const)('answers %s with a problem', async (_name, init, status) => {
    const response = await api('/v1/events', { method: 'POST', ...(init as object) });
    expect(response.status).toBe(status);
    expect(response.headers.get('content-type')).toBe('application/problem+json');
    const problem = (await response.json()) as { status: number; title: string; detail: string };
    expect(problem.status).toBe(status);
    expect(problem.detail.length).toBeGreaterThan(10);
  });
});

describe('identity and privacy', () => {
  it('identify moves the anonymous history to the lead, and the anonymous id keeps resolving', async () => {
    const visitor = uniqueId('v');
    const lead = uniqueId('lead');
    await pixel({ a: visitor, u: '/pricing' });
    await pixel({ a: visitor, u: '/docs/start' });
    const response = await api('/v1/identify', {
      method: 'POST',
      json: { anonymousId: visitor, leadId: lead },
    });
    // The hits were just recorded: scoring may still be reading them, and once the alias is claimed it moves them
    // itself, so the request moves the two or fewer. Either way, when it answers, all are the lead's, once.
    const identified = (await response.json()) as { movedActivities: number };
    expect(identified).toMatchObject({ leadId: lead, aliased: visitor });
    expect(identified.movedActivities).toBeLessThanOrEqual(2);
    expect(await itemsUnder('activities', `ANON#${visitor}`)).toEqual([]);
    expect(await itemsUnder('activities', `LEAD#${lead}`)).toHaveLength(2);

    await pixel({ a: visitor, u: '/customers/globex' });
    const after = await itemsUnder('activities', `LEAD#${lead}`);
    expect(after).toHaveLength(3);
    expect(after.every((i) => i.leadId === lead)).toBe(true);
  });

  it('merging two leads keeps the older profile and fills its gaps from the newer', async () => {
    const older = uniqueId('old');
    const newer = uniqueId('new');
    await api(`/v1/leads/${older}/attributes`, {
      method: 'PUT',
      json: { attributes: { title: 'VP Sales' } },
    });
    await api(`/v1/leads/${newer}/attributes`, {
      method: 'PUT',
      json: { attributes: { title: 'Intern', industry: 'SaaS' } },
    });
    await api('/v1/events', {
      method: 'POST',
      json: {
        events: [{ eventId: 'n1', leadId: newer, type: 'download', occurredAt: '2026-11-20T10:00:00Z' }],
      },
    });

    const response = await api('/v1/identify', {
      method: 'POST',
      json: { leadId: newer, previousId: older },
    });
    // As above: scoring may move the activity it was reading when the merge was claimed, so the request moves it
    // or finds it moved; the export shows it once either way.
    const merged = (await response.json()) as { movedActivities: number };
    expect(merged).toMatchObject({ leadId: older, aliased: newer });
    expect(merged.movedActivities).toBeLessThanOrEqual(1);
    const exported = (await (await api(`/v1/leads/${older}/export`)).json()) as {
      profile: { attributes: object };
      activities: unknown[];
      scores: Record<string, unknown>[];
    };
    expect(exported.profile.attributes).toEqual({ title: 'VP Sales', industry: 'SaaS' });
    expect(exported.activities).toHaveLength(1);
    // Once the moved activity is scored, its score is in the export, its engine state as base64.
    await until(async () => {
      const again = (await (await api(`/v1/leads/${older}/export`)).json()) as typeof exported;
      return again.scores.length > 0 ? again : undefined;
    }).then((again) => {
      expect(again.scores[0]!.state).toMatch(/^[A-Za-z0-9+/]+=*$/);
      // Whole, as the API speaks of a score, though the table stores less of it.
      expect(again.scores[0]).toMatchObject({
        leadId: older,
        model: 'default',
        updatedAt: expect.stringMatching(/Z$/),
      });
    });

    // Events still sent for the merged-away id land on the survivor.
    await api('/v1/events', {
      method: 'POST',
      json: {
        events: [{ eventId: 'n2', leadId: newer, type: 'page_view', occurredAt: '2026-11-21T10:00:00Z' }],
      },
    });
    expect(await itemsUnder('activities', `LEAD#${older}`)).toHaveLength(2);
  });

  it('erase of an announced, merged lead removes every item naming it or its aliases, and nothing brings it back', async () => {
    // Prepare: a visitor identifies; another lead of the same person is merged in; the lead crosses into hot and
    // is announced (the live feed keeps the notification); it has an outcome and a profile.
    const lead = uniqueId('erase');
    const visitor = uniqueId('v');
    const other = uniqueId('erase-other');
    await pixel({ a: visitor, u: '/pricing' });
    await api('/v1/identify', { method: 'POST', json: { anonymousId: visitor, leadId: lead } });
    await api(`/v1/leads/${lead}/attributes`, {
      method: 'PUT',
      json: { attributes: { email: `${lead}@acme.test` } },
    });
    await api('/v1/events', {
      method: 'POST',
      json: {
        events: [{ eventId: 'o1', leadId: other, type: 'download', occurredAt: new Date().toISOString() }],
      },
    });
    const merged = await api('/v1/identify', { method: 'POST', json: { leadId: lead, previousId: other } });
    expect(await merged.json()).toMatchObject({ leadId: lead, aliased: other });
    await api('/v1/events', {
      method: 'POST',
      json: {
        events: [
          {
            eventId: 'x1',
            leadId: lead,
            type: 'form_submit',
            occurredAt: new Date().toISOString(),
            properties: { form: 'demo' },
          },
        ],
      },
    });
    await api(`/v1/leads/${lead}/outcomes`, {
      method: 'POST',
      json: { outcome: 'won', occurredAt: '2026-11-20T10:00:00Z' },
    });
    const since = new Date(Date.now() - 60_000).toISOString();
    const announced = await until(async () => {
      const feed = (await (
        await api(`/v1/notifications?since=${encodeURIComponent(since)}&limit=500`)
      ).json()) as {
        notifications: { leadId: string; type: string; newBand: string }[];
      };
      return feed.notifications.find((n) => n.leadId === lead && n.type === 'band_crossing')
        ? feed
        : undefined;
    });
    expect(announced).toBeDefined();
    expect(await itemsMentioning('leads', lead)).not.toEqual([]);

    // Act
    const erased = await api(`/v1/leads/${other}`, { method: 'DELETE' });

    // Assess: erasing a merged-away id erases the person, at once but for the ledger, which a job sweeps (each of
    // the person's ids, and the lead's own again). Nothing names any of the ids but the score markers, which hold
    // only their key and expire in a day; the tombstones are keyed by a hash and name nobody.
    expect(erased.status).toBe(202);
    const job = await until(async () => {
      const j = (await (await api(erased.headers.get('location')!)).json()) as { status: string };
      return j.status === 'succeeded' ? j : undefined;
    });
    expect(job).toMatchObject({ kind: 'erase', result: { erased: { activities: expect.any(Number) } } });
    for (const id of [lead, visitor, other]) {
      expect(await itemsMentioning('activities', id)).toEqual([]);
      expect(await itemsMentioning('search', id)).toEqual([]);
    }
    const left = await until(async () => {
      const items = [
        ...(await itemsMentioning('leads', lead)),
        ...(await itemsMentioning('leads', visitor)),
        ...(await itemsMentioning('leads', other)),
      ];
      return items.every((i) => i.entity === 'erased') ? items : undefined;
    });
    expect(left.map((i) => `${i.pk} ${i.sk}`).sort()).toEqual([
      `LEAD#${lead} SCORE#default`,
      `LEAD#${other} SCORE#default`,
    ]);
    for (const item of left) expect(Object.keys(item).sort()).toEqual(['entity', 'expiresAt', 'pk', 'sk']);

    // Every later write for any of the ids is refused, and writes nothing.
    const late = await api('/v1/events', {
      method: 'POST',
      json: {
        events: [
          { eventId: 'x2', leadId: lead, type: 'page_view', occurredAt: new Date().toISOString() },
          { eventId: 'x3', leadId: other, type: 'page_view', occurredAt: new Date().toISOString() },
          { eventId: 'x4', anonymousId: visitor, type: 'page_view', occurredAt: new Date().toISOString() },
        ],
      },
    });
    expect(((await late.json()) as { results: { status: string }[] }).results.map((r) => r.status)).toEqual([
      'dropped',
      'dropped',
      'dropped',
    ]);
    await pixel({ a: visitor });
    for (const id of [lead, other]) {
      const attributes = await api(`/v1/leads/${id}/attributes`, {
        method: 'PUT',
        json: { attributes: { title: 'CEO' } },
      });
      expect(attributes.status).toBe(410);
      const outcome = await api(`/v1/leads/${id}/outcomes`, { method: 'POST', json: { outcome: 'lost' } });
      expect(outcome.status).toBe(410);
      expect((await api(`/v1/leads/${id}`)).status).toBe(410);
      expect((await api(`/v1/leads/${id}/export`)).status).toBe(410);
    }
    const fresh = uniqueId('fresh');
    for (const body of [
      { leadId: lead, anonymousId: uniqueId('v') },
      { leadId: fresh, anonymousId: visitor },
      { leadId: fresh, previousId: other },
      { leadId: other, previousId: fresh },
    ])
      expect((await api('/v1/identify', { method: 'POST', json: body })).status).toBe(410);
    for (const id of [lead, visitor, other, fresh]) {
      expect(await itemsMentioning('activities', id)).toEqual([]);
    }
    expect((await itemsMentioning('leads', lead)).every((i) => i.entity === 'erased')).toBe(true);
    expect(await itemsMentioning('leads', fresh)).toEqual([]);
    // An id nobody knows cannot be erased.
    expect((await api(`/v1/leads/${uniqueId('nobody')}`, { method: 'DELETE' })).status).toBe(404);
  });
});

describe('click redirect', () => {
  it('redirects a signed link and records the click', async () => {
    const lead = uniqueId('lead');
    const t = token(lead, { m: 'nl-2' });
    const target = 'https://acme.test/pricing';
    const response = await fetch(
      `${runtime.url}/r?${new URLSearchParams({ u: target, t, s: signRedirect(runtime.signingSecret, target, t) })}`,
      { redirect: 'manual' },
    );
    expect(response.status).toBe(302);
    expect(response.headers.get('location')).toBe(target);
    expect((await itemsUnder('activities', `LEAD#${lead}`))[0]).toMatchObject({
      type: 'email_click',
      properties: { emailId: 'nl-2', url: target },
    });
  });

  it('never redirects to an unsigned or altered target', async () => {
    const signed = signRedirect(runtime.signingSecret, 'https://acme.test/');
    const attempts: Record<string, string>[] = [
      { u: 'https://evil.test/' },
      { u: 'https://evil.test/', s: signed },
      { u: 'javascript:alert(1)', s: signed },
    ];
    for (const query of attempts) {
      const response = await fetch(`${runtime.url}/r?${new URLSearchParams(query)}`, { redirect: 'manual' });
      expect(response.status).toBe(400);
      expect(response.headers.get('location')).toBeNull();
    }
  });
});

describe('attributes, outcomes and the bus', () => {
  it('sets and removes attributes, deriving the e-mail domain', async () => {
    const lead = uniqueId('lead');
    await api(`/v1/leads/${lead}/attributes`, {
      method: 'PUT',
      json: { attributes: { email: 'ana@Acme.test', employees: 120 } },
    });
    const response = await api(`/v1/leads/${lead}/attributes`, {
      method: 'PUT',
      json: { attributes: { employees: null, country: 'DE' } },
    });
    expect(await response.json()).toMatchObject({
      attributes: { email: 'ana@Acme.test', emailDomain: 'acme.test', country: 'DE' },
    });
    const bad = await api(`/v1/leads/${lead}/attributes`, {
      method: 'PUT',
      json: { attributes: { employees: 'many' } },
    });
    expect(bad.status).toBe(400);
    expect(((await bad.json()) as { errors: { path: string }[] }).errors[0]!.path).toBe(
      'attributes.employees',
    );

    // Removing the e-mail removes the domain derived from it; a domain set with the removal stays.
    const cleared = await api(`/v1/leads/${lead}/attributes`, {
      method: 'PUT',
      json: { attributes: { email: null } },
    });
    const { attributes } = (await cleared.json()) as { attributes: Record<string, unknown> };
    expect(attributes).not.toHaveProperty('email');
    expect(attributes).not.toHaveProperty('emailDomain');
    const kept = await api(`/v1/leads/${lead}/attributes`, {
      method: 'PUT',
      json: { attributes: { email: null, emailDomain: 'acme.test' } },
    });
    expect(((await kept.json()) as { attributes: Record<string, unknown> }).attributes).toMatchObject({
      emailDomain: 'acme.test',
    });
  });

  it('records an outcome once per outcomeId', async () => {
    const lead = uniqueId('lead');
    const body = { outcome: 'converted', occurredAt: '2026-11-22T09:00:00Z', outcomeId: 'o-1' };
    expect((await api(`/v1/leads/${lead}/outcomes`, { method: 'POST', json: body })).status).toBe(201);
    expect((await api(`/v1/leads/${lead}/outcomes`, { method: 'POST', json: body })).status).toBe(200);
    expect((await itemsUnder('leads', `LEAD#${lead}`)).filter((i) => i.entity === 'outcome')).toHaveLength(1);
  });

  it('takes activities, profiles and outcomes from EventBridge-shaped entries', async () => {
    const lead = uniqueId('crm');
    const entries = [
      {
        DetailType: 'leadscore.activity',
        Detail: {
          eventId: 'crm-1',
          leadId: lead,
          type: 'webinar_attended',
          occurredAt: '2026-11-20T15:00:00Z',
        },
      },
      { DetailType: 'leadscore.profile', Detail: { leadId: lead, attributes: { title: 'CTO' } } },
      {
        DetailType: 'leadscore.outcome',
        Detail: { leadId: lead, outcome: 'won', occurredAt: '2026-11-23T15:00:00Z' },
      },
      { DetailType: 'leadscore.activity', Detail: { eventId: 'crm-2', type: 'nope' } },
    ].map((e) => ({ Source: 'crm.hubspot', DetailType: e.DetailType, Detail: JSON.stringify(e.Detail) }));
    const response = await api('/local/events', { method: 'POST', json: { Entries: entries } });
    expect(response.status).toBe(200);
    expect(((await response.json()) as { Entries: { EventId?: string }[] }).Entries).toHaveLength(4);
    // The rule invokes ingest-bus asynchronously: the profile and the outcome arrive in their own time (and
    // scoring adds score and history items in its own).
    const stored = (items: Record<string, unknown>[]) =>
      items
        .map((i) => i.entity)
        .filter((e) => e === 'outcome' || e === 'profile')
        .sort();
    await until(async () =>
      stored(await itemsUnder('leads', `LEAD#${lead}`)).length === 2 ? true : undefined,
    );
    expect(stored(await itemsUnder('leads', `LEAD#${lead}`))).toEqual(['outcome', 'profile']);
    await until(async () =>
      (await itemsUnder('activities', `LEAD#${lead}`)).length === 1 ? true : undefined,
    );
  });
});
