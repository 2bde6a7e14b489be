import type { Context } from 'aws-lambda';
import { beforeAll, describe, expect, it } from 'vitest';
import { ensureTables } from '../../local/dynamodb.ts';
import { decodeState, recomputeLead, scoreLead } from '../../shared/engine/index.ts';
import { loadModels } from '../../shared/models.ts';
import { type Notification, notificationsFor } from '../../shared/notify/notifications.ts';
import { notifyStreamHandler } from '../../shared/notify/stream.ts';
import { scoreStreamHandler } from '../../shared/scoring/stream.ts';
import { documentClient } from '../../shared/store/dynamo.ts';
import { LeadDirectory } from '../../shared/store/leads.ts';
import { Ledger } from '../../shared/store/ledger.ts';
import { type ScoreItem, ScoreStore, scoreOf } from '../../shared/store/scores.ts';
import { itemOfImage } from '../../shared/store/stream-image.ts';
import { namedTables } from '../../shared/store/tables.ts';
import { syntheticLeads } from '../../shared/synthetic/generator.ts';
import { counters } from '../../shared/telemetry.ts';
import { runtime } from '../helpers/runtime.ts';
import { deliver, readStream } from '../helpers/streams.ts';

// Tables of this test's own in the run's DynamoDB Local: no poller reads them, so the test delivers their
// streams itself, with faults, the way Lambda's event source mapping would.
const tables = {
  activities: `fault-activities-${process.pid}`,
  leads: `fault-leads-${process.pid}`,
  search: `fault-search-${process.pid}`,
};
const client = documentClient(runtime.dynamodbEndpoint);
const ledger = new Ledger(client, tables, 400);
const store = new ScoreStore(client, tables);
const directory = new LeadDirectory(client, tables);
const [model] = loadModels('models/default.yaml');
const START = Date.parse('2026-10-01T00:00:00Z');
const NOW = START + 21 * 86_400_000;
const leads = [...syntheticLeads({ seed: 11, leads: 40, start: START, days: 21 })].filter(
  (l) => l.activities.length > 0,
);

beforeAll(async () => {
  await ensureTables(runtime.dynamodbEndpoint, namedTables(tables));
  for (const lead of leads) {
    await directory.setAttributes(lead.profile.leadId, lead.profile.attributes, START);
    for (const activity of lead.activities)
      await ledger.record({ kind: 'lead', id: lead.profile.leadId }, activity, 'api', START);
  }
});

describe('faults on the stream path', () => {
  it('crashes mid-batch, redelivery, duplicate delivery, two writers and a failed publish leave every score equal to a recompute, each crossing announced once', async () => {
    // Prepare: the ledger's real stream, and a store that crashes on every seventh write (five times in all).
    const activityRecords = (await readStream(tables.activities)).filter((r) => r.eventName === 'INSERT');
    expect(activityRecords.length).toBeGreaterThan(300);
    let writes = 0;
    let crashes = 0;
    let conflicts = 0;
    // Both writers read a lead, then meet before writing it (so both write on the same revision and one of them
    // must conflict), then write conditionally; conflicts are counted.
    const waiting = new Map<string, () => void>();
    const meet = (key: string) =>
      new Promise<void>((resolve) => {
        const other = waiting.get(key);
        if (other) {
          waiting.delete(key);
          other();
          resolve();
          return;
        }
        waiting.set(key, resolve);
        setTimeout(() => {
          if (waiting.get(key) === resolve) waiting.delete(key);
          resolve();
        }, 200);
      });
    const racing = (crash: boolean) => ({
      context: store.context.bind(store),
      put: async (item: ScoreItem, rev: number | undefined) => {
        await meet(`${item.leadId}:${rev}`);
        if (crash && ++writes % 7 === 0 && crashes < 5) {
          crashes++;
          throw new Error('injected crash mid-batch');
        }
        const ok = await store.put(item, rev);
        if (!ok) conflicts++;
        return ok;
      },
    });
    const first = scoreStreamHandler({ models: [model!], ledger, scores: racing(true), clock: () => NOW });
    const second = scoreStreamHandler({ models: [model!], ledger, scores: racing(false), clock: () => NOW });

    // Act: two writers on the same leads at once, crashes mid-batch, and half the stream delivered twice.
    const rebuiltBefore = counters()['score.rebuilt-for-arrivals'] ?? 0;
    let retries = 0;
    for (let at = 0; at < activityRecords.length; at += 50) {
      // The writers take adjacent batches at once: different activities of the same leads, written concurrently.
      const [a] = await Promise.all([
        deliver(first, activityRecords.slice(at, at + 25), 25),
        deliver(second, activityRecords.slice(at + 25, at + 50), 25),
      ]);
      retries += a;
    }
    // Then the first half of the stream is delivered again; the second half is never repaired by a replay.
    retries += await deliver(first, activityRecords.slice(0, Math.floor(activityRecords.length / 2)), 25);

    // Assess: the faults happened, and every stored score is what a full recompute from the ledger gives.
    expect(crashes).toBe(5);
    expect(retries).toBeGreaterThanOrEqual(5);
    expect(conflicts).toBeGreaterThan(0);
    // A stored state keeps no event hash for an entry alone at its instant: a redelivered event at such an
    // instant was told apart by a state rebuilt from the ledger.
    expect((counters()['score.rebuilt-for-arrivals'] ?? 0) - rebuiltBefore).toBeGreaterThan(0);
    let scored = 0;
    for (const lead of leads) {
      const context = await store.context(lead.profile.leadId, [model!.id]);
      const stored = context.scores.get(model!.id);
      const expected = recomputeLead(
        model!,
        await ledger.activitiesOf({ kind: 'lead', id: lead.profile.leadId }),
        context.attributes,
        NOW,
      );
      if (!stored) {
        expect(expected.state.entries).toEqual([]);
        continue;
      }
      scored++;
      expect(stored.score).toBe(expected.score.score);
      expect(scoreLead(model!, decodeState(model!, stored.state), context.attributes, NOW)).toEqual(
        expected.score,
      );
    }
    expect(scored).toBeGreaterThan(10);

    // Act: the leads table's real stream through the notify handler, whose third publish with anything in it fails.
    const leadRecords = await readStream(tables.leads);
    const published: Notification[] = [];
    let attempts = 0;
    const notify = notifyStreamHandler({
      models: [model!],
      history: store,
      retentionDays: 400,
      publisher: {
        publish: async (changes) => {
          if (changes.some((c) => c.length > 0) && ++attempts === 3)
            throw new Error('SNS is briefly unavailable');
          published.push(...changes.flat());
        },
      },
    });
    const context = { getRemainingTimeInMillis: () => 60_000 } as Context;
    await deliver((event) => notify(event, context), leadRecords, 20);

    // Assess: every committed change's crossings were published, none lost to the failure; repeats share an id.
    const expectedIds = new Set(
      leadRecords.flatMap((r) => {
        const image = itemOfImage<Record<string, unknown>>(r.dynamodb!.NewImage!);
        if (image.entity !== 'score') return [];
        const after = scoreOf(image);
        const before = r.dynamodb!.OldImage ? scoreOf(itemOfImage(r.dynamodb!.OldImage)) : undefined;
        return notificationsFor(model!, before, after).map((n) => n.id);
      }),
    );
    expect(expectedIds.size).toBeGreaterThan(0);
    expect(new Set(published.map((n) => n.id))).toEqual(expectedIds);
    // Band crossings per lead alternate direction: nothing was announced twice under different ids.
    for (const lead of leads) {
      const bands = published.filter((n) => n.leadId === lead.profile.leadId && n.type === 'band_crossing');
      const unique = [...new Map(bands.map((n) => [n.id, n])).values()];
      for (let i = 1; i < unique.length; i++) expect(unique[i]!.oldBand).toBe(unique[i - 1]!.newBand);
    }
  });
});

describe('events in the same millisecond, in different batches', () => {
  it('counts each once, and a redelivered one not again, though the stored state keeps no event hash for a lone instant', async () => {
    // Prepare: three page views of one lead, two of them in the same millisecond, recorded in the real ledger.
    const leadId = 'same-instant-lead';
    const at = '2026-10-20T09:30:00.123Z';
    const views = [
      { eventId: 'si-1', type: 'page_view', occurredAt: at, properties: { path: '/pricing' } },
      { eventId: 'si-2', type: 'page_view', occurredAt: at, properties: { path: '/customers/acme' } },
      {
        eventId: 'si-3',
        type: 'page_view',
        occurredAt: '2026-10-20T09:31:00.000Z',
        properties: { path: '/' },
      },
    ];
    for (const view of views) await ledger.record({ kind: 'lead', id: leadId }, view, 'api', START);
    const records = (await readStream(tables.activities)).filter(
      (r) => r.eventName === 'INSERT' && r.dynamodb?.Keys?.pk?.S === `LEAD#${leadId}`,
    );
    expect(records).toHaveLength(3);
    const handler = scoreStreamHandler({ models: [model!], ledger, scores: store, clock: () => NOW });
    const rebuiltBefore = counters()['score.rebuilt-for-arrivals'] ?? 0;

    // Act: the first view alone (stored with no hash: alone at its instant), then the second view of that instant,
    // then the first again, then the third, then all three again.
    await deliver(handler, [records[0]!], 1);
    const afterFirst = (await store.context(leadId, [model!.id])).scores.get(model!.id)!;
    await deliver(handler, [records[1]!], 1);
    await deliver(handler, [records[0]!], 1);
    await deliver(handler, [records[2]!], 1);
    await deliver(handler, records, 3);

    // Assess: the lone entry was stored without its hash; the score is a recompute's, each view counted once.
    expect(decodeState(model!, afterFirst.state).entries.map((e) => e.h)).toEqual([-1]);
    const stored = (await store.context(leadId, [model!.id])).scores.get(model!.id)!;
    const expected = recomputeLead(model!, views, undefined, NOW);
    expect(scoreLead(model!, decodeState(model!, stored.state), undefined, NOW)).toEqual(expected.score);
    expect(expected.score.contributions.find((c) => c.rule === 'page-view')?.count).toBe(3);
    expect(decodeState(model!, stored.state).entries.filter((e) => e.t === Date.parse(at))).toHaveLength(2);
    // The second view and the first's redelivery each needed the ledger; the rest did not change the score.
    expect((counters()['score.rebuilt-for-arrivals'] ?? 0) - rebuiltBefore).toBeGreaterThanOrEqual(2);
  });
});
