import { describe, expect, it } from 'vitest';
import { api, uniqueId, until } from '../helpers/runtime.ts';

type LeadView = {
  scores: {
    model: string;
    score: number;
    band: string;
    grade: string;
    contributions: { rule: string; kind: string; points: number; count: number }[];
    breakdown: { kind: string; label: string; points: number; rule?: string }[];
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
    // The events reach the stream in their own batches: wait until the score counts every one of them.
    const counted = (body.scores[0]?.contributions ?? [])
      .filter((c) => c.kind === 'behaviour')
      .reduce((n, c) => n + c.count, 0);
    return counted >= events.length ? body : undefined;
  });
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
    // The explanation adds up to the score, decay included, as the API answers it.
    const lines = score.breakdown.reduce((sum, line) => sum + line.points, 0);
    expect(lines).toBeCloseTo(score.score, 6);
    expect(score.breakdown.filter((l) => l.kind === 'rule').map((l) => l.rule)).toEqual(
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

    // The warm band, a page at a time, highest first. Other test files rescore leads in this band meanwhile, so
    // what is checked is each page's order, and that Ana appears exactly once.
    const seen: string[] = [];
    let cursor: string | undefined;
    for (let page = 0; page < 100; page++) {
      const body = (await (
        await api(`/v1/leads?model=default&band=warm&limit=3${cursor ? `&cursor=${cursor}` : ''}`)
      ).json()) as {
        leads: { leadId: string; score: number }[];
        nextCursor?: string;
      };
      const scores = body.leads.map((l) => l.score);
      expect(scores).toEqual([...scores].sort((a, b) => b - a));
      seen.push(...body.leads.map((l) => l.leadId));
      cursor = body.nextCursor;
      if (!cursor) break;
    }
    expect(seen.filter((id) => id === ana)).toHaveLength(1);

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

  it('a profile change rescores the lead: fit moves its score and grade', async () => {
    const lead = uniqueId('refit');
    const before = await scoredLead(lead, [{ type: 'webinar_attended' }], {});
    expect(before.scores[0]).toMatchObject({ grade: 'D' });
    await api(`/v1/leads/${lead}/attributes`, {
      method: 'PUT',
      json: { attributes: { title: 'Chief Marketing Officer', employees: 500, industry: 'SaaS' } },
    });
    // decision-maker 15 + mid-market 10 + target-industry 10 = 35: grade A, and the stored score moves with it.
    const history = await until(async () => {
      const h = (await (await api(`/v1/leads/${lead}/history`)).json()) as {
        changes: { grade: string; score: number }[];
      };
      return h.changes[0]?.grade === 'A' ? h.changes : undefined;
    });
    expect(history[0]!.score).toBeGreaterThan(before.scores[0]!.score + 34);
  });

  it('answers unknown leads, bands and cursors with problems', async () => {
    expect((await api(`/v1/leads/${uniqueId('nobody')}`)).status).toBe(404);
    expect((await api('/v1/leads?band=lukewarm')).status).toBe(400);
    expect((await api('/v1/leads?cursor=garbage')).status).toBe(400);
    expect((await api(`/v1/accounts/${uniqueId('none')}.test`)).status).toBe(404);
  });
});
