import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { LedgerActivity } from '../shared/domain/activity.ts';
import { loadModels } from '../shared/models.ts';
import type { Notification } from '../shared/notify/notifications.ts';
import { scoreActivities } from '../shared/scoring/update.ts';
import { signLeadToken } from '../shared/security/tokens.ts';
import { isVisibleChange, type ScoreItem } from '../shared/store/scores.ts';
import type { SyntheticLead } from '../shared/synthetic/generator.ts';
import { syntheticLeads } from '../shared/synthetic/generator.ts';
import { counters } from '../shared/telemetry.ts';
import { batchingWindowOverride, fmt, percentile, record } from './report.ts';

const DAY = 86_400_000;
const LEADS = Number(process.env.BENCH_LEADS ?? 1500);
const LATENCY_SAMPLES = Number(process.env.BENCH_SAMPLES ?? 60);
const UA =
  'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0 Safari/537.36';

/**
 * The whole pipeline on the local runtime: ledger write, stream, scoring, leads stream, notification.
 * 1. Write units per accepted event on the synthetic traffic mix, counted from DynamoDB's own ConsumedCapacity
 *    (tables and indexes), once every stream has drained.
 * 2. Pixel-to-notification latency: a lead primed just below "hot" gets one pixel hit that crosses it; the
 *    time until a webhook subscriber holds the crossing.
 */
export async function run(): Promise<void> {
  process.env.LEADSCORE_COUNT_CAPACITY = '1';
  const batchingWindow = await batchingWindowOverride();
  const { startRuntime } = await import('../local/runtime.ts');
  const dataDir = mkdtempSync(join(tmpdir(), 'leadscore-pipeline-'));
  const received = new Map<string, number>();
  const hook = createServer((req, res) => {
    let body = '';
    req.on('data', (c: Buffer) => {
      body += c.toString();
    });
    req.on('end', () => {
      const message = JSON.parse(JSON.parse(body).Message) as Notification;
      if (message.type === 'band_crossing' && message.newBand === 'hot')
        received.set(message.leadId, Date.now());
      res.writeHead(200).end();
    });
  });
  await new Promise<void>((done) => hook.listen(0, '127.0.0.1', done));
  const endpoint = `http://127.0.0.1:${(hook.address() as { port: number }).port}/`;
  const runtime = await startRuntime({ port: 0, inMemory: true, dataDir, subscriptions: [{ endpoint }] });
  const post = (path: string, body: unknown) =>
    fetch(`${runtime.url}${path}`, {
      method: 'POST',
      headers: { authorization: `Bearer ${runtime.apiKey}`, 'content-type': 'application/json' },
      body: JSON.stringify(body),
    }).then((r) => r.json() as Promise<{ recorded: number }>);

  try {
    // 1. Write units per accepted event.
    const now = Date.now();
    const leads = [...syntheticLeads({ seed: 5, leads: LEADS, start: now - 14 * DAY, days: 14 })];
    const events: LedgerActivity[] = leads.flatMap((l) => l.activities);
    events.sort((a, b) => (a.occurredAt < b.occurredAt ? -1 : 1));
    const before = counters()['dynamodb.writeUnits'] ?? 0;
    const replayStart = Date.now();
    let accepted = 0;
    // People's activity through the events API; bots' hits through the pixel, as crawlers, where they are flagged.
    const people = events.filter((e) => !e.bot);
    for (let i = 0; i < people.length; i += 100)
      accepted += (await post('/v1/events', { events: people.slice(i, i + 100) })).recorded;
    const bots = events.filter((e) => e.bot);
    for (let i = 0; i < bots.length; i += 20) {
      await Promise.all(
        bots.slice(i, i + 20).map((e) =>
          fetch(`${runtime.url}/p.gif?a=${e.leadId}&id=${e.eventId}&e=${e.type}`, {
            headers: { 'user-agent': String(e.properties?.userAgent ?? 'Googlebot/2.1') },
          }),
        ),
      );
    }
    accepted += bots.length;
    await drained();
    const replaySeconds = (Date.now() - replayStart) / 1000;
    const c = counters();
    const writeUnits = (c['dynamodb.writeUnits'] ?? 0) - before;
    const scoreWrites = c['score.written'] ?? 0;
    const changes = c['notify.history-recorded'] ?? 0;
    const indexUnits =
      (c['dynamodb.writeUnits.index.rank'] ?? 0) + (c['dynamodb.writeUnits.index.decay'] ?? 0);
    // What would remain if history and the live feed cost nothing and every score item fit in 1 KB.
    const floor = (accepted + scoreWrites + indexUnits) / accepted;
    const floorWithHistory = floor + changes / accepted;
    const alone = oneEventPerWrite(leads, now);
    const breakdown = Object.fromEntries(
      Object.entries(c)
        .filter(([k]) => k.startsWith('dynamodb.writeUnits.'))
        .map(([k, v]) => [k.slice('dynamodb.writeUnits.'.length), Math.round((v / accepted) * 100) / 100]),
    );
    console.log(
      `pipeline: ${fmt(LEADS)} synthetic leads, ${fmt(accepted)} accepted events over 14 days; ` +
        `${fmt(c['score.written'] ?? 0)} score writes, ${fmt(c['score.unchanged'] ?? 0)} events that changed no score`,
    );
    console.log(
      `write units per accepted event (ledger, scores, indexes, history): ${(writeUnits / accepted).toFixed(2)}`,
    );
    console.log(
      `  of which, per accepted event: ${Object.entries(breakdown)
        .map(([k, v]) => `${k} ${v}`)
        .join(', ')}`,
    );
    console.log(
      `  14 days replayed in ${replaySeconds.toFixed(0)} s: ${(accepted / scoreWrites).toFixed(2)} events per score write, ` +
        `${fmt(changes)} visible score changes (${(changes / accepted).toFixed(3)} per event)`,
    );
    console.log(
      `  ledger, one unit per score write and the indexes as counted: ${floor.toFixed(2)} per event; ` +
        `with one history item per visible change: ${floorWithHistory.toFixed(2)}`,
    );
    console.log(
      `  the same traffic one event per batch (a quiet stream, by the engine): ${alone.writes.toFixed(2)} score writes ` +
        `and ${alone.changes.toFixed(2)} visible changes per event, about ${alone.units.toFixed(2)} write units per event`,
    );

    // 2. Pixel to notification.
    const latencies: number[] = [];
    for (let i = 0; i < LATENCY_SAMPLES; i++) {
      const lead = `latency-${i}`;
      const t = new Date().toISOString();
      // 12 + 8 + 8 + 5 + 6 + 3 = 42 points: warm, below hot (50).
      const priming: LedgerActivity[] = [
        'webinar_attended',
        'download',
        'download',
        'webinar_registered',
      ].map((type, k) => ({ eventId: `${lead}-${k}`, leadId: lead, type, occurredAt: t }));
      priming.push(
        {
          eventId: `${lead}-form`,
          leadId: lead,
          type: 'form_submit',
          occurredAt: t,
          properties: { form: 'contact' },
        },
        {
          eventId: `${lead}-click`,
          leadId: lead,
          type: 'email_click',
          occurredAt: t,
          properties: { emailId: 'nl-1' },
        },
      );
      await post('/v1/events', { events: priming });
      await until(async () =>
        (
          (await (
            await fetch(`${runtime.url}/v1/leads/${lead}`, {
              headers: { authorization: `Bearer ${runtime.apiKey}` },
            })
          ).json()) as { scores?: unknown[] }
        ).scores?.length
          ? true
          : undefined,
      );
      await drained();
      // The crossing hit: the pricing page through the pixel, which takes page views (+1, and +10 for pricing: 53).
      const token = signLeadToken(runtime.signingSecret, { l: lead, x: Math.floor(Date.now() / 1000) + 600 });
      const sent = Date.now();
      const hit = await fetch(
        `${runtime.url}/p.gif?t=${encodeURIComponent(token)}&u=${encodeURIComponent('https://www.example.com/pricing')}`,
        { headers: { 'user-agent': UA } },
      );
      await hit.arrayBuffer();
      const at = await until(() => received.get(lead), 10_000);
      latencies.push(at - sent);
    }
    latencies.sort((a, b) => a - b);
    const p50 = percentile(latencies, 50);
    const p99 = percentile(latencies, 99);
    console.log(
      `pixel to notification (${LATENCY_SAMPLES} leads crossing into hot): p50 ${p50} ms, p99 ${p99} ms`,
    );
    record('pipeline', {
      ...(batchingWindow !== undefined && { batchingWindowSeconds: batchingWindow }),
      leads: LEADS,
      acceptedEvents: accepted,
      writeUnitsPerEvent: Math.round((writeUnits / accepted) * 100) / 100,
      writeUnitsPerEventBy: breakdown,
      scoreWrites,
      visibleChanges: changes,
      replaySeconds: Math.round(replaySeconds),
      withoutHistoryOrFeed: Math.round(floor * 100) / 100,
      oneEventPerBatch: {
        scoreWritesPerEvent: Math.round(alone.writes * 100) / 100,
        writeUnitsPerEvent: Math.round(alone.units * 100) / 100,
      },
      latencyMs: { p50, p99, samples: LATENCY_SAMPLES },
    });
  } finally {
    await runtime.stop();
    hook.close();
    rmSync(dataDir, { recursive: true, force: true });
  }

  /** The streams are drained when scoring and history counters stop moving. */
  async function drained(): Promise<void> {
    let last = '';
    let still = 0;
    while (still < 6) {
      await new Promise((r) => setTimeout(r, 250));
      const c = counters();
      const now = `${c['score.written']}/${c['score.unchanged']}/${c['dynamodb.writeUnits']}`;
      still = now === last ? still + 1 : 0;
      last = now;
    }
  }
}

async function until<T>(what: () => Promise<T | undefined> | T | undefined, timeoutMs = 10_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await what();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`not within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

/**
 * The same leads scored one event at a time, as a quiet stream delivers them (each record its own batch): how
 * many score writes and visible changes that takes, from the engine alone, and what they would cost at the
 * pipeline's prices per write. A projection, not a measurement.
 */
function oneEventPerWrite(leads: SyntheticLead[], now: number) {
  const [model] = loadModels('models/default.yaml');
  let events = 0;
  let writes = 0;
  let changes = 0;
  for (const lead of leads) {
    let stored: ScoreItem | undefined;
    for (const activity of lead.activities) {
      events++;
      const write = scoreActivities(
        model!,
        lead.profile.leadId,
        lead.profile.attributes,
        stored,
        [activity],
        now,
      );
      if (!write) continue;
      writes++;
      const after = write.item;
      if (isVisibleChange(stored, after)) changes++;
      stored = after;
    }
  }
  // Each write at least its item (one unit); each visible change also moves its rank entry (two) and records history.
  return {
    writes: writes / events,
    changes: changes / events,
    units: (events + writes + 3 * changes) / events,
  };
}
