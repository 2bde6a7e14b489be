import { DeleteCommand } from '@aws-sdk/lib-dynamodb';
import { describe, expect, it } from 'vitest';
import { signLeadToken } from '../../shared/security/tokens.ts';
import { LeadDirectory } from '../../shared/store/leads.ts';
import { scoreOf as storedScoreOf } from '../../shared/store/scores.ts';
import { api, BROWSER_UA, db, itemsUnder, runtime, uniqueId, until } from '../helpers/runtime.ts';

const now = () => new Date().toISOString();

async function send(...events: Record<string, unknown>[]): Promise<{ results: { status: string }[] }> {
  const response = await api('/v1/events', { method: 'POST', json: { events } });
  expect(response.status).toBe(200);
  return (await response.json()) as { results: { status: string }[] };
}

const scoreOf = async (leadId: string) => {
  const stored = (await itemsUnder('leads', `LEAD#${leadId}`)).find((i) => i.entity === 'score');
  return stored && storedScoreOf(stored);
};

async function ranked(): Promise<string[]> {
  const ids: string[] = [];
  let cursor: string | undefined;
  do {
    const page = (await (await api(`/v1/leads?limit=200${cursor ? `&cursor=${cursor}` : ''}`)).json()) as {
      leads: { leadId: string }[];
      nextCursor?: string;
    };
    ids.push(...page.leads.map((l) => l.leadId));
    cursor = page.nextCursor;
  } while (cursor);
  return ids;
}

describe('identity as one graph', () => {
  it('a merge leaves no ghost: the merged-away lead leaves the ranked list, and its id answers the survivor', async () => {
    // Prepare: two scored leads.
    const a = uniqueId('merge-a');
    const b = uniqueId('merge-b');
    await api(`/v1/leads/${a}/attributes`, { method: 'PUT', json: { attributes: { title: 'VP' } } });
    await send({ eventId: 'a1', leadId: a, type: 'download', occurredAt: now() });
    await send({ eventId: 'b1', leadId: b, type: 'download', occurredAt: now() });
    await until(scoreOf.bind(null, a));
    await until(scoreOf.bind(null, b));
    await until(async () => ((await ranked()).includes(b) ? true : undefined));
    await api(`/v1/leads/${b}/outcomes`, { method: 'POST', json: { outcome: 'won', outcomeId: 'deal-1' } });

    // Act: b merges into a (a's profile is older).
    const merged = await api('/v1/identify', { method: 'POST', json: { leadId: b, previousId: a } });

    // Assess
    expect(await merged.json()).toMatchObject({ leadId: a, aliased: b, movedActivities: 1 });
    expect(await itemsUnder('activities', `LEAD#${b}`)).toEqual([]);
    // Only the marker; its search terms go as follow-profiles reads its profile's removal from the stream.
    const left = await itemsUnder('leads', `LEAD#${b}`);
    expect(left.map((i) => i.entity)).toEqual(['merged']);
    await until(async () => ((await itemsUnder('search', `LEAD#${b}`)).length > 0 ? undefined : true));
    expect(left[0]).not.toHaveProperty('rankKey');
    expect(await ranked()).not.toContain(b);
    const read = (await (await api(`/v1/leads/${b}`)).json()) as Record<string, unknown>;
    expect(read).toMatchObject({ leadId: a, mergedInto: a, attributes: { title: 'VP' } });
    // Its history is the survivor's, as a read of it is.
    const history = (await (await api(`/v1/leads/${b}/history`)).json()) as Record<string, unknown>;
    expect(history).toMatchObject({ leadId: a, mergedInto: a });
    expect(read.outcomes).toEqual([expect.objectContaining({ outcome: 'won' })]);
    // The survivor's stored score takes both downloads.
    await until(async () => {
      const score = await scoreOf(a);
      return score && (score.cause as { eventIds?: string[] }).eventIds?.includes('b1') ? score : undefined;
    });
  });

  it('chains resolve: after a into b and b into c, writes for a land on c', async () => {
    const [a, b, c] = [uniqueId('chain-a'), uniqueId('chain-b'), uniqueId('chain-c')];
    const visitor = uniqueId('chain-v');
    for (const id of [c, b, a])
      await api(`/v1/leads/${id}/attributes`, { method: 'PUT', json: { attributes: { title: id } } });
    await api('/v1/identify', { method: 'POST', json: { leadId: a, anonymousId: visitor } });
    expect((await api('/v1/identify', { method: 'POST', json: { leadId: b, previousId: a } })).status).toBe(
      200,
    );
    expect((await api('/v1/identify', { method: 'POST', json: { leadId: c, previousId: b } })).status).toBe(
      200,
    );

    await send(
      { eventId: 'e1', leadId: a, type: 'page_view', occurredAt: now() },
      { eventId: 'e2', anonymousId: visitor, type: 'page_view', occurredAt: now() },
    );
    const put = await api(`/v1/leads/${a}/attributes`, {
      method: 'PUT',
      json: { attributes: { country: 'NZ' } },
    });
    expect(await put.json()).toMatchObject({ leadId: c, mergedInto: c });

    expect((await itemsUnder('activities', `LEAD#${c}`)).map((i) => i.eventId).sort()).toEqual(['e1', 'e2']);
    for (const id of [a, b]) expect(await itemsUnder('activities', `LEAD#${id}`)).toEqual([]);
    expect(await itemsUnder('activities', `ANON#${visitor}`)).toEqual([]);
    expect(((await (await api(`/v1/leads/${a}`)).json()) as { mergedInto: string }).mergedInto).toBe(c);
    // Every alias points straight at the survivor, not along the chain.
    for (const alias of [`ALIAS#L#${a}`, `ALIAS#L#${b}`, `ALIAS#A#${visitor}`])
      expect((await itemsUnder('leads', alias))[0]).toMatchObject({ leadId: c });
  });

  it('concurrent identify of one visitor: one wins, the others get 409, nothing is copied twice', async () => {
    const visitor = uniqueId('race-v');
    await send(
      { eventId: 'v1', anonymousId: visitor, type: 'page_view', occurredAt: now() },
      { eventId: 'v2', anonymousId: visitor, type: 'page_view', occurredAt: now() },
    );
    const leads = Array.from({ length: 6 }, () => uniqueId('race'));

    const answers = await Promise.all(
      leads.map((leadId) => api('/v1/identify', { method: 'POST', json: { leadId, anonymousId: visitor } })),
    );

    const statuses = answers.map((r) => r.status);
    expect(statuses.filter((s) => s === 200)).toHaveLength(1);
    expect(statuses.filter((s) => s === 409)).toHaveLength(5);
    const winner = leads[statuses.indexOf(200)]!;
    expect(await itemsUnder('activities', `LEAD#${winner}`)).toHaveLength(2);
    for (const loser of leads.filter((l) => l !== winner)) {
      expect(await itemsUnder('activities', `LEAD#${loser}`)).toEqual([]);
      expect(await itemsUnder('leads', `LEAD#${loser}`)).toEqual([]);
    }
  });

  it('events sent while their visitor is being identified or erased end with the lead, or go with it', async () => {
    // Prepare: visitors, each identified (or its lead erased) while a stream of its events is being sent.
    const pairs = Array.from({ length: 6 }, (_, n) => ({
      visitor: uniqueId('inflight-v'),
      lead: uniqueId('inflight'),
      erase: n % 2 === 1,
    }));

    // Act
    await Promise.all(
      pairs.map(async ({ visitor, lead, erase }) => {
        await send({ eventId: 'first', anonymousId: visitor, type: 'page_view', occurredAt: now() });
        const events = Promise.all(
          Array.from({ length: 10 }, (_, i) =>
            send({ eventId: `v${i}`, anonymousId: visitor, type: 'page_view', occurredAt: now() }),
          ),
        );
        await api('/v1/identify', { method: 'POST', json: { leadId: lead, anonymousId: visitor } });
        if (erase) await api(`/v1/leads/${lead}`, { method: 'DELETE' });
        await events;
      }),
    );

    // Assess: nothing is left under any visitor; the identified leads hold all eleven, the erased nothing.
    for (const { visitor, lead, erase } of pairs) {
      await until(async () =>
        (await itemsUnder('activities', `ANON#${visitor}`)).length === 0 ? true : undefined,
      );
      const held = await until(async () => {
        const items = await itemsUnder('activities', `LEAD#${lead}`);
        return items.length === (erase ? 0 : 11) ? items : undefined;
      });
      expect(held).toHaveLength(erase ? 0 : 11);
    }
  });

  describe('a tracking hit names its lead unresolved, and scoring settles it', () => {
    const openPixel = (leadId: string, eventId: string) => {
      const t = signLeadToken(runtime.signingSecret, {
        l: leadId,
        m: 'news',
        x: Math.floor(Date.now() / 1000) + 600,
      });
      return fetch(`${runtime.url}/p.gif?${new URLSearchParams({ t, id: eventId })}`, {
        headers: { 'user-agent': BROWSER_UA },
      });
    };
    const ledgerOf = async (leadId: string) =>
      (await itemsUnder('activities', `LEAD#${leadId}`)).map((i) => i.eventId).sort();

    it.each([
      ['while its markers last', false],
      ['after its markers expired', true],
    ])(
      'an e-mail opened by a lead merged away %s lands with the lead it was merged into',
      async (_, expired) => {
        // Prepare: loser merged into survivor, both with a profile (a merged-away lead's profile goes with it).
        const [loser, survivor] = [uniqueId('hit-loser'), uniqueId('hit-survivor')];
        for (const id of [survivor, loser])
          await api(`/v1/leads/${id}/attributes`, { method: 'PUT', json: { attributes: { title: id } } });
        expect(
          (await api('/v1/identify', { method: 'POST', json: { leadId: survivor, previousId: loser } }))
            .status,
        ).toBe(200);
        if (expired)
          // DynamoDB's TTL removes the markers a day after the merge; here, at once.
          for (const marker of await itemsUnder('leads', `LEAD#${loser}`))
            await db.send(
              new DeleteCommand({ TableName: runtime.tables.leads, Key: { pk: marker.pk, sk: marker.sk } }),
            );

        // Act
        expect((await openPixel(loser, 'open-1')).status).toBe(200);

        // Assess: moved to the survivor and scored there; nothing left under the loser, and no score for it.
        await until(async () => ((await ledgerOf(survivor)).includes('open-1') ? true : undefined));
        await until(async () => ((await ledgerOf(loser)).length === 0 ? true : undefined));
        await until(async () => {
          const score = await scoreOf(survivor);
          return score && (score.cause as { eventIds?: string[] }).eventIds?.includes('open-1')
            ? score
            : undefined;
        });
        expect(await scoreOf(loser)).toBeUndefined();
      },
    );

    it('a merge that stopped after its claim (the request failed, nobody retried) still sends the loser’s hits on', async () => {
      // Prepare: two scored leads; the merge's first step alone, as if it had failed right after.
      const [loser, survivor] = [uniqueId('half-loser'), uniqueId('half-survivor')];
      await send({ eventId: 'l1', leadId: loser, type: 'download', occurredAt: now() });
      await send({ eventId: 's1', leadId: survivor, type: 'download', occurredAt: now() });
      const scored = await until(async () => {
        const items = (await itemsUnder('leads', `LEAD#${loser}`)).filter((i) => i.entity === 'score');
        return items.length > 0 ? items : undefined;
      });
      await until(scoreOf.bind(null, survivor));
      const models = scored.map((i) => storedScoreOf(i).model);
      await new LeadDirectory(db, runtime.tables).claim(
        { kind: 'lead', id: loser },
        survivor,
        Date.now(),
        models,
      );

      // Assess: the claim itself put markers over the loser's scores, kept until the merge finishes.
      const markers = await itemsUnder('leads', `LEAD#${loser}`);
      expect(markers.filter((i) => i.entity === 'score')).toEqual([]);
      expect(markers.filter((i) => i.entity === 'merged').map((i) => i.model ?? i.sk)).toHaveLength(
        models.length,
      );
      for (const marker of markers.filter((i) => i.entity === 'merged'))
        expect(marker).not.toHaveProperty('expiresAt');

      // Act: the loser opens an e-mail.
      expect((await openPixel(loser, 'half-open')).status).toBe(200);

      // Assess: the hit went to the survivor and was scored there; the loser got no score back.
      await until(async () => ((await ledgerOf(survivor)).includes('half-open') ? true : undefined));
      // The merge's own step never ran: scoring moved the loser's whole ledger (l1 too) and scored it together.
      expect(await ledgerOf(survivor)).toEqual(['half-open', 'l1', 's1']);
      const open = (await itemsUnder('activities', `LEAD#${survivor}`)).find(
        (a) => a.eventId === 'half-open',
      )!;
      await until(async () => {
        const score = await scoreOf(survivor);
        return score?.lastActivityAt === open.occurredAt ? score : undefined;
      });
      expect(await scoreOf(loser)).toBeUndefined();
    });

    it('an e-mail opened by an erased lead is erased with it, and scores nothing', async () => {
      // Prepare
      const lead = uniqueId('hit-erased');
      await api(`/v1/leads/${lead}/attributes`, { method: 'PUT', json: { attributes: { title: 'VP' } } });
      await send({ eventId: 'before', leadId: lead, type: 'download', occurredAt: now() });
      await until(scoreOf.bind(null, lead));
      expect((await api(`/v1/leads/${lead}`, { method: 'DELETE' })).status).toBeLessThan(300);
      await until(async () => ((await ledgerOf(lead)).length === 0 ? true : undefined));

      // Act
      expect((await openPixel(lead, 'after')).status).toBe(200);

      expect((await api(`/v1/leads/${lead}/history`)).status).toBe(410);

      // Assess: scoring found the erasure the hit did not read, and nothing of the hit is left.
      await until(async () => ((await ledgerOf(lead)).length === 0 ? true : undefined));
      const left = await itemsUnder('leads', `LEAD#${lead}`);
      expect(left.filter((i) => i.entity === 'score' || i.entity === 'profile')).toEqual([]);
    });
  });

  it('concurrent merges of one lead into different leads: one claims it, the others get 409 or merge its survivor', async () => {
    const ledgerEvents = async (id: string) =>
      (await itemsUnder('activities', `LEAD#${id}`)).map((i) => String(i.eventId));
    const loser = uniqueId('race-loser');
    await send({ eventId: 'l1', leadId: loser, type: 'download', occurredAt: now() });
    const others = Array.from({ length: 4 }, () => uniqueId('race-into'));
    const answers = await Promise.all(
      others.map((leadId) => api('/v1/identify', { method: 'POST', json: { leadId, previousId: loser } })),
    );
    const bodies = await Promise.all(
      answers.map(async (r) => ({
        status: r.status,
        ...((await r.json()) as { leadId?: string; aliased?: string }),
      })),
    );
    // One merge claims the loser; the others get 409, unless one reads the loser's alias after that claim: then
    // the loser acts as its survivor, and that request merges the two survivors (200, another id aliased).
    const claimed = bodies.filter((b) => b.status === 200 && b.aliased === loser);
    expect(claimed).toHaveLength(1);
    for (const b of bodies.filter((x) => x !== claimed[0]))
      expect(b.status === 409 || (b.status === 200 && b.aliased !== loser), JSON.stringify(b)).toBe(true);
    // The loser's one activity ends with the lead it resolves to now, once.
    const final = ((await (await api(`/v1/leads/${loser}`)).json()) as { leadId: string }).leadId;
    const holders = await Promise.all(
      [loser, ...others].map(async (id) => (await ledgerEvents(id)).filter((e) => e === 'l1').length),
    );
    expect(holders.reduce((a, b) => a + b, 0)).toBe(1);
    expect(holders[[loser, ...others].indexOf(final)]).toBe(1);
  });
});

describe('outcomes, once per id', () => {
  it('a retry with the time spelled otherwise, or without a time, records nothing new; another result is 409', async () => {
    const lead = uniqueId('outcome');
    const first = await api(`/v1/leads/${lead}/outcomes`, {
      method: 'POST',
      json: { outcome: 'won', outcomeId: 'deal-7', occurredAt: '2026-11-20T10:00:00Z', value: 1200 },
    });
    expect(first.status).toBe(201);
    for (const occurredAt of ['2026-11-20T11:00:00+01:00', '2026-11-20T10:00:00.000Z', undefined]) {
      const again = await api(`/v1/leads/${lead}/outcomes`, {
        method: 'POST',
        json: { outcome: 'won', outcomeId: 'deal-7', value: 1200, ...(occurredAt && { occurredAt }) },
      });
      expect(again.status).toBe(200);
      expect(await again.json()).toMatchObject({ duplicate: true });
    }
    const conflict = await api(`/v1/leads/${lead}/outcomes`, {
      method: 'POST',
      json: { outcome: 'lost', outcomeId: 'deal-7' },
    });
    expect(conflict.status).toBe(409);
    expect(conflict.headers.get('content-type')).toBe('application/problem+json');

    // Without an id: the same content, however its time is spelled, is the same outcome.
    for (const occurredAt of ['2026-11-21T09:00:00Z', '2026-11-21T10:00:00+01:00'])
      await api(`/v1/leads/${lead}/outcomes`, { method: 'POST', json: { outcome: 'converted', occurredAt } });
    const outcomes = (await itemsUnder('leads', `LEAD#${lead}`)).filter((i) => i.entity === 'outcome');
    expect(outcomes.map((o) => o.outcome).sort()).toEqual(['converted', 'won']);
  });

  it('bus outcomes are idempotent by outcomeId too, and a bus lead id is validated like the API', async () => {
    const lead = uniqueId('bus-outcome');
    const entry = (detail: object) => ({
      Source: 'crm',
      DetailType: 'leadscore.outcome',
      Detail: JSON.stringify(detail),
    });
    const outcome = {
      leadId: lead,
      outcome: 'converted',
      outcomeId: 'crm-9',
      occurredAt: '2026-11-20T10:00:00Z',
    };
    for (const occurredAt of ['2026-11-20T10:00:00Z', '2026-11-20T05:00:00-05:00']) {
      const response = await api('/local/events', {
        method: 'POST',
        json: { Entries: [entry({ ...outcome, occurredAt })] },
      });
      expect(response.status).toBe(200);
    }
    await api('/local/events', {
      method: 'POST',
      json: {
        Entries: [
          entry({ ...outcome, leadId: 'not a lead id' }),
          entry({ ...outcome, occurredAt: '2099-01-01T00:00:00Z', outcomeId: 'crm-10' }),
        ],
      },
    });
    const activity = (occurredAt: string, leadId = lead) => ({
      Source: 'crm',
      DetailType: 'leadscore.activity',
      Detail: JSON.stringify({ eventId: `a-${occurredAt}`, leadId, type: 'webinar_attended', occurredAt }),
    });
    await api('/local/events', {
      method: 'POST',
      json: {
        Entries: [activity('2099-01-01T00:00:00Z'), activity('2026-11-20T10:00:00Z', 'not a lead id')],
      },
    });
    expect(await itemsUnder('activities', `LEAD#${lead}`)).toEqual([]);
    const outcomes = (await itemsUnder('leads', `LEAD#${lead}`)).filter((i) => i.entity === 'outcome');
    expect(outcomes).toEqual([
      expect.objectContaining({ outcomeId: 'crm-9', occurredAt: '2026-11-20T10:00:00.000Z' }),
    ]);
  });
});
