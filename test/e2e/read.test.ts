import { describe, expect, it } from 'vitest';
import { api, uniqueId } from '../helpers/runtime.ts';

async function until<T>(what: () => Promise<T | undefined>, timeoutMs: number): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await what();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`not within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

type LeadView = {
  scores: {
    model: string;
    score: number;
    band: string;
    grade: string;
    contributions: { rule: string; points: number }[];
  }[];
  recentActivity: { type: string }[];
};

async function scoredLead(
  leadId: string,
  events: { type: string; properties?: Record<string, string> }[],
  attributes: Record<string, unknown>,
) {
  await api(`/v1/leads/${leadId}/attributes`, { method: 'PUT', json: { attributes } });
  await api('/v1/events', {
    method: 'POST',
    json: {
      events: events.map((e, i) => ({
        eventId: `${leadId}-${i}`,
        leadId,
        occurredAt: new Date().toISOString(),
        ...e,
      })),
    },
  });
  return until(async () => {
    const response = await api(`/v1/leads/${leadId}`);
    if (response.status !== 200) return undefined;
    const body = (await response.json()) as LeadView;
    return body.scores.length > 0 && body.recentActivity.length === events.length ? body : undefined;
  }, 5000);
}

describe('read APIs', () => {
  it('shows a lead, its history, its place in the ranking and its account', async () => {
    const domain = `${uniqueId('acme')}.test`;
    const ana = uniqueId('ana');
    const bob = uniqueId('bob');
    // Ana: webinar attended (12) + download (8) + decision-maker (15) + mid-market (10) = 45 (warm, grade B).
    const anaView = await scoredLead(ana, [{ type: 'webinar_attended' }, { type: 'download' }], {
      email: `ana@${domain}`,
      title: 'VP Marketing',
      employees: 120,
    });
    // Bob: webinar registered (5): cold.
    await scoredLead(bob, [{ type: 'webinar_registered' }], { email: `bob@${domain}` });

    const score = anaView.scores[0]!;
    expect(score).toMatchObject({ model: 'default', band: 'warm', grade: 'B' });
    expect(score.score).toBeCloseTo(45, 0);
    expect(score.contributions.map((c) => c.rule)).toEqual(
      expect.arrayContaining(['webinar-attended', 'download', 'decision-maker', 'mid-market']),
    );

    const history = (await (await api(`/v1/leads/${ana}/history`)).json()) as {
      changes: { band: string; cause: { kind: string } }[];
    };
    const changes = await until(async () => {
      const h = (await (await api(`/v1/leads/${ana}/history`)).json()) as typeof history;
      return h.changes.length > 0 ? h.changes : undefined;
    }, 3000);
    expect(changes[0]).toMatchObject({ band: 'warm', cause: { kind: 'activity' } });

    // The warm band, a page at a time: highest first, no lead twice, Ana among them.
    const seen: { leadId: string; score: number }[] = [];
    let cursor: string | undefined;
    for (let page = 0; page < 50; page++) {
      const body = (await (
        await api(`/v1/leads?model=default&band=warm&limit=3${cursor ? `&cursor=${cursor}` : ''}`)
      ).json()) as {
        leads: { leadId: string; score: number }[];
        nextCursor?: string;
      };
      seen.push(...body.leads);
      cursor = body.nextCursor;
      if (!cursor) break;
    }
    expect(seen.map((l) => l.score)).toEqual([...seen.map((l) => l.score)].sort((a, b) => b - a));
    expect(new Set(seen.map((l) => l.leadId)).size).toBe(seen.length);
    expect(seen.map((l) => l.leadId)).toContain(ana);

    // The account: Ana in full, Bob at a quarter.
    const account = (await (await api(`/v1/accounts/${domain}`)).json()) as {
      contacts: number;
      models: { score: number; topContacts: { leadId: string }[] }[];
    };
    expect(account.contacts).toBe(2);
    const bobScore = account.models[0]!.topContacts[1]!;
    expect(account.models[0]!.topContacts.map((c) => c.leadId)).toEqual([ana, bob]);
    expect(account.models[0]!.score).toBeCloseTo(
      score.score + 0.25 * (bobScore as unknown as { score: number }).score,
      1,
    );
  });

  it('answers unknown leads, bands and cursors with problems', async () => {
    expect((await api(`/v1/leads/${uniqueId('nobody')}`)).status).toBe(404);
    expect((await api('/v1/leads?band=lukewarm')).status).toBe(400);
    expect((await api('/v1/leads?cursor=garbage')).status).toBe(400);
    expect((await api(`/v1/accounts/${uniqueId('none')}.test`)).status).toBe(404);
  });
});
