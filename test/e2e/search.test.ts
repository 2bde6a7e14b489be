import { describe, expect, it } from 'vitest';
import { api, itemsMentioning, uniqueId, until } from '../helpers/runtime.ts';

/** A word no other test uses, so a search for it finds this file's leads only. */
const word = `zephyr${Date.now().toString(36)}`;

interface Listed {
  leads: { leadId: string; score: number; band: string; email?: string; company?: string }[];
  counts?: Record<string, { count: number }>;
  nextCursor?: string;
  truncated?: boolean;
}

const now = () => new Date().toISOString();
const find = async (q: string, extra = ''): Promise<Listed> => {
  const res = await api(`/v1/leads?q=${encodeURIComponent(q)}${extra}`);
  expect(res.status).toBe(200);
  return (await res.json()) as Listed;
};
const ids = (l: Listed) => l.leads.map((x) => x.leadId);
const profile = (leadId: string, attributes: Record<string, unknown>) =>
  api(`/v1/leads/${leadId}/attributes`, { method: 'PUT', json: { attributes } }).then((r) => {
    expect(r.status).toBeLessThan(300);
  });
/** Scores a lead: `downloads` downloads at 8 points each. */
const score = async (leadId: string, downloads: number) => {
  const events = Array.from({ length: downloads }, (_, k) => ({
    eventId: `${leadId}-d${k}`,
    leadId,
    type: 'download',
    occurredAt: now(),
    properties: { asset: `a-${k}` },
  }));
  expect((await api('/v1/events', { method: 'POST', json: { events } })).status).toBe(200);
  await until(async () => {
    const read = (await (await api(`/v1/leads/${leadId}`)).json()) as { scores?: { score: number }[] };
    return (read.scores?.[0]?.score ?? 0) >= downloads * 8 ? true : undefined;
  });
};

describe('the ranked list’s search, from the search index', () => {
  it('finds leads by a word of name or company, e-mail, domain or id prefix, ranked by score, a page at a time', async () => {
    // Prepare: three scored leads of one company, apart in score.
    const leads = [uniqueId('find-a'), uniqueId('find-b'), uniqueId('find-c')];
    for (const [i, lead] of leads.entries()) {
      await score(lead, 3 - i);
      await profile(lead, {
        firstName: ['Orla', 'Piet', 'Quin'][i],
        lastName: 'Vasquez',
        company: `${word} Labs`,
        email: `p${i}@${word}.example`,
      });
    }
    await until(async () => ((await find(word)).leads.length === 3 ? true : undefined));

    // Act / Assess: ranked by score, whatever the index's term order.
    expect(ids(await find(word))).toEqual(leads);
    expect(ids(await find(`${word}.exam`))).toEqual(leads);
    expect(ids(await find(`p1@${word}`))).toEqual([leads[1]]);
    expect(ids(await find(`piet ${word}`))).toEqual([leads[1]]);
    expect(ids(await find(`vasquez ${word} orla`))).toEqual([leads[0]]);
    expect(ids(await find(leads[2]!.slice(0, -1).toUpperCase()))).toContain(leads[2]);
    expect(ids(await find(`${word} nobody`))).toEqual([]);
    // Counts per band are of the matches; a page of one goes on with a cursor, and the last page has none.
    const first = await find(word, '&limit=2&counts=true');
    expect(ids(first)).toEqual(leads.slice(0, 2));
    expect(Object.values(first.counts!).reduce((s, c) => s + c.count, 0)).toBe(3);
    const second = await find(word, `&limit=2&cursor=${first.nextCursor}`);
    expect(ids(second)).toEqual([leads[2]]);
    expect(second.nextCursor).toBeUndefined();
    expect(first.truncated).toBeUndefined();
    const band = first.leads[0]!.band;
    expect((await find(word, `&band=${band}`)).leads.every((l) => l.band === band)).toBe(true);
  });

  it('follows a profile: a changed e-mail finds the lead by the new one only', async () => {
    const lead = uniqueId('find-move');
    await score(lead, 1);
    await profile(lead, { email: `old-${word}@before.example` });
    await until(async () => (ids(await find(`old-${word}`)).includes(lead) ? true : undefined));

    await profile(lead, { email: `new-${word}@after.example` });

    await until(async () => (ids(await find(`new-${word}`)).includes(lead) ? true : undefined));
    expect(ids(await find(`old-${word}`))).toEqual([]);
  });

  it('forgets an erased lead, and a merged-away lead’s terms are its survivor’s', async () => {
    // Prepare
    const [erased, survivor, loser] = [uniqueId('find-gone'), uniqueId('find-keep'), uniqueId('find-lose')];
    for (const lead of [erased, survivor, loser]) await score(lead, 1);
    await profile(erased, { name: `Gone ${word}` });
    await profile(survivor, { name: `Kept ${word}` });
    await profile(loser, { name: `Lost ${word}`, company: `Merged${word}` });
    await until(async () => ((await find(word)).leads.length >= 3 ? true : undefined));

    // Act
    expect((await api(`/v1/leads/${erased}`, { method: 'DELETE' })).status).toBe(202);
    // Gone when the erasure answers (test/integration/search-index.test.ts shows the erasure itself deletes them).
    expect(await itemsMentioning('search', erased)).toEqual([]);
    const merged = await api('/v1/identify', {
      method: 'POST',
      json: { leadId: loser, previousId: survivor },
    });
    expect(merged.status).toBe(200);

    // Assess: nothing of the erased lead is left in the index; the loser's company now finds the survivor.
    await until(async () =>
      (await itemsMentioning('leads', erased)).every((i) => i.entity === 'erased') ? true : undefined,
    );
    await until(async () => (ids(await find(`merged${word}`)).includes(survivor) ? true : undefined));
    const found = ids(await find(word));
    expect(found).not.toContain(erased);
    expect(found).not.toContain(loser);
    await until(async () => ((await itemsMentioning('search', loser)).length > 0 ? undefined : true));
  });

  it('finds a lead with no profile by its exact id, and one with a profile by the start of its id', async () => {
    const bare = uniqueId(`Find-Bare-${word}`);
    const known = uniqueId(`find-known-${word}`);
    await score(bare, 1);
    await score(known, 1);
    await profile(known, { title: 'CFO' });
    await until(async () =>
      ids(await find(known.slice(0, -2).toUpperCase())).includes(known) ? true : undefined,
    );
    // No profile, no terms: its exact id (as written) still finds it, a part of it does not.
    expect(ids(await find(bare))).toEqual([bare]);
    expect(ids(await find(bare.slice(0, -2)))).not.toContain(bare);
    expect(await itemsMentioning('search', bare)).toEqual([]);
  });

  it('finds a term whatever character follows what was typed, one beyond the Basic Multilingual Plane too', async () => {
    const lead = uniqueId('find-emoji');
    await score(lead, 1);
    await profile(lead, { company: `Astral${word}\u{1F680}x` });
    await until(async () => (ids(await find(`astral${word}`)).includes(lead) ? true : undefined));
    expect(ids(await find(`astral${word}\u{1F680}`))).toEqual([lead]);
  });

  it('refuses a cursor it did not give out, and treats a query of separators as no search', async () => {
    const res = await api(`/v1/leads?q=${word}&cursor=${Buffer.from('{"skip":-1}').toString('base64url')}`);
    expect(res.status).toBe(400);
    expect(res.headers.get('content-type')).toMatch(/problem\+json/);
    // A cursor of one search is refused by another.
    const other = Buffer.from(JSON.stringify({ q: 'someone else', skip: 50 })).toString('base64url');
    expect((await api(`/v1/leads?q=${word}&cursor=${other}`)).status).toBe(400);
    // Too long a search says so.
    const long = await api(`/v1/leads?q=${'a'.repeat(300)}`);
    expect(long.status).toBe(400);
    expect(((await long.json()) as { detail: string }).detail).toMatch(/^q must be at most 100 characters/);
    const plain = (await (await api('/v1/leads?q=%23%20%23&limit=1')).json()) as Listed & { q?: string };
    expect(plain.q).toBeUndefined();
  });
});
