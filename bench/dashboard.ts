import { mkdtempSync, rmSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { loadModels } from '../shared/models.ts';
import { scoreActivities } from '../shared/scoring/update.ts';
import { batchWrite } from '../shared/store/batch.ts';
import { documentClient } from '../shared/store/dynamo.ts';
import { scoreOf, storedScore } from '../shared/store/scores.ts';
import { searchTermItem, termsOfProfile } from '../shared/store/search.ts';
import type { TableNames } from '../shared/store/tables.ts';
import { syntheticLeads } from '../shared/synthetic/generator.ts';
import { counters } from '../shared/telemetry.ts';
import { launchChromium } from '../test/helpers/browser.ts';
import { fmt, percentile, record } from './report.ts';

const LEADS = Number(process.env.BENCH_LEADS ?? 10_000);
const LOADS = Number(process.env.BENCH_LOADS ?? 7);
const DAY = 86_400_000;
/** How long the bench waits, at most, for other work on the machine to ease off before it measures. */
const QUIET_WAIT_MS = Number(process.env.BENCH_QUIET_WAIT_MS ?? 300_000);

/**
 * The dashboard on the local runtime holding LEADS scored leads: the size of what the page loads (gzipped), the
 * time from navigation to the ranked list on screen (the first view), and from a search's last keystroke to its
 * first matches on screen, in headless Chromium, LOADS times each.
 * The scores are written straight to the leads table as the score handler writes them (scored by the engine from
 * synthetic traffic), which is what the first view reads.
 */
export async function run(): Promise<void> {
  process.env.POWERTOOLS_LOG_LEVEL = 'ERROR';
  const { startRuntime } = await import('../local/runtime.ts');
  const dataDir = mkdtempSync(join(tmpdir(), 'leadscore-dashboard-'));
  const runtime = await startRuntime({ port: 0, inMemory: true, dataDir });
  const browser = await launchChromium();
  try {
    const client = documentClient(runtime.dynamodbEndpoint);
    const loading = Date.now();
    const seeded = await seed(client, runtime.tables);
    console.log(
      `dashboard: ${fmt(seeded.scores)} scored leads and ${fmt(seeded.terms)} search terms written in ${((Date.now() - loading) / 1000).toFixed(0)} s`,
    );
    // The score writes flow down the leads stream (history, notifications): let that finish, as on a quiet morning.
    for (let last = '', still = 0; still < 6; ) {
      await new Promise((r) => setTimeout(r, 500));
      const now = JSON.stringify(counters());
      still = now === last ? still + 1 : 0;
      last = now;
    }
    console.log(`  streams drained after ${((Date.now() - loading) / 1000).toFixed(0)} s`);
    // Timings on a busy two-core machine measure the other work: wait for the load to fall to the cores, a while.
    for (const by = Date.now() + QUIET_WAIT_MS; loadavg()[0]! > cpus().length && Date.now() < by; )
      await new Promise((r) => setTimeout(r, 5000));
    const loadBefore = Number(loadavg()[0]!.toFixed(2));
    console.log(`  load average ${loadBefore} as the measurements start`);

    const sizes = await Promise.all(
      ['app.js', 'app.css', ''].map(async (f) => {
        const body = Buffer.from(
          await (await fetch(`${runtime.url}/dashboard${f ? `/${f}` : ''}`)).arrayBuffer(),
        );
        return { file: f || 'index.html', bytes: body.length, gzipped: gzipSync(body).length };
      }),
    );
    const gzipped = sizes.reduce((s, f) => s + f.gzipped, 0);

    // The API alone, for comparison: the two calls the first view waits for.
    const apiTimes: number[] = [];
    for (let i = 0; i < LOADS; i++) {
      const t = Date.now();
      await Promise.all(
        ['/v1/models', '/v1/leads?limit=50'].map((path) =>
          fetch(`${runtime.url}${path}`, { headers: { authorization: `Bearer ${runtime.apiKey}` } }).then(
            (r) => r.json(),
          ),
        ),
      );
      apiTimes.push(Date.now() - t);
    }
    apiTimes.sort((a, b) => a - b);
    console.log(`  the first view's API calls alone: p50 ${percentile(apiTimes, 50)} ms`);

    // A browser that is already running, a new tab per load: from the tab's navigation start to the ranked list
    // on screen, as the page itself measures it (a performance mark when the table is drawn).
    const context = await browser.newContext();
    await context.addInitScript((key) => sessionStorage.setItem('leadscore.apiKey', key), runtime.apiKey);
    const times: number[] = [];
    for (let i = 0; i < LOADS; i++) {
      const page = await context.newPage();
      await page.goto(`${runtime.url}/dashboard#/leads`);
      await page.waitForSelector('body[data-ready="leads"]');
      times.push(
        Math.round(
          await page.evaluate(() => performance.getEntriesByName('leadscore:first-view')[0]!.startTime),
        ),
      );
      if (i === 0) {
        // Where the time goes: the API calls the first view waits for, timed from the page.
        const calls = await page.evaluate(() =>
          performance
            .getEntriesByType('resource')
            .map(
              (e) =>
                `${new URL(e.name).pathname}${new URL(e.name).search.slice(0, 30)} ${Math.round(e.duration)} ms`,
            )
            .slice(0, 6),
        );
        console.log(`  first load: ${calls.join('; ')}`);
      }
      await page.close();
    }
    // A search as someone types it: from the last keystroke to the results on screen, which includes the page's
    // 250 ms pause for more typing. One e-mail domain: some 20 leads in 100,000, spread over every band, read from
    // the search index and ranked. Reports the rows shown, and each query's time.
    // The search API alone, for comparison: from this process, for other domains than the browser then searches.
    const searchApi: number[] = [];
    for (let i = 0; i < LOADS; i++) {
      const t = Date.now();
      await fetch(`${runtime.url}/v1/leads?q=company${2000 + i * 7}.com&limit=50`, {
        headers: { authorization: `Bearer ${runtime.apiKey}` },
      }).then((r) => r.json());
      searchApi.push(Date.now() - t);
    }
    searchApi.sort((a, b) => a - b);
    console.log(
      `  the search's API call alone: p50 ${percentile(searchApi, 50)} ms, worst ${searchApi.at(-1)} ms`,
    );
    const searches: number[] = [];
    const byQuery: Record<string, number> = {};
    const rows: number[] = [];
    for (let i = 0; i < LOADS; i++) {
      const page = await context.newPage();
      await page.goto(`${runtime.url}/dashboard#/leads`);
      await page.waitForSelector('body[data-ready="leads"]');
      const q = `company${1000 + i * 7}.com`;
      const answered = page.waitForResponse((r) => new URL(r.url()).searchParams.get('q') === q);
      const started = await page.evaluate(() => performance.now());
      await page.fill('#q', q);
      // The answer first: until the search starts, the mark of the list before it is still up.
      await answered;
      await page.waitForSelector('body[data-ready="leads"]');
      searches.push(Math.round((await page.evaluate(() => performance.now())) - started));
      byQuery[q] = searches.at(-1)!;
      rows.push(await page.locator('#leads tbody tr').count());
      await page.close();
    }
    searches.sort((a, b) => a - b);
    await context.close();
    times.sort((a, b) => a - b);
    const p50 = percentile(times, 50);
    console.log(
      `page weight: ${sizes.map((s) => `${s.file} ${fmt(s.gzipped)} B`).join(', ')} gzipped; ${(gzipped / 1024).toFixed(1)} KB in all (goal < 150 KB)`,
    );
    console.log(
      `first view (navigation to the ranked list on screen), ${LOADS} loads: p50 ${p50} ms, worst ${times.at(-1)} ms (goal < 1000 ms)`,
    );
    console.log(
      `search (last keystroke to the matches on screen, 250 ms pause included), ${LOADS} searches: p50 ${percentile(searches, 50)} ms, worst ${searches.at(-1)} ms (goal < 1000 ms); rows ${rows.join(', ')}; by query ${Object.entries(
        byQuery,
      )
        .map(([q, ms]) => `${q} ${ms} ms`)
        .join(', ')}`,
    );
    record('dashboard', {
      searchMs: {
        p50: percentile(searches, 50),
        worst: searches.at(-1),
        searches: LOADS,
        rows,
        byQuery,
        apiAlone: { p50: percentile(searchApi, 50), worst: searchApi.at(-1) },
      },
      leads: seeded.scores,
      loadAverage: { before: loadBefore, after: Number(loadavg()[0]!.toFixed(2)) },
      gzippedBytes: gzipped,
      files: sizes,
      firstViewMs: { p50, worst: times.at(-1), loads: LOADS },
    });
    client.destroy();
  } finally {
    await browser.close();
    await runtime.stop();
    rmSync(dataDir, { recursive: true, force: true });
  }
}

/**
 * Writes LEADS scored leads and their search terms as the handlers write them. Its own function, so that the
 * synthetic traffic (some 1.5 GB at 100,000 leads) is garbage once it is written: the runtime's handlers share this
 * process, and a heap that size made collection pauses part of what the browser timed.
 */
async function seed(client: ReturnType<typeof documentClient>, tables: TableNames) {
  const [model] = loadModels('models/default.yaml');
  const now = Date.now();
  // Some synthetic leads never do anything: draw more, keep the first LEADS that have a score.
  const drawn = [
    ...syntheticLeads({ seed: 21, leads: Math.ceil(LEADS * 1.5), start: now - 30 * DAY, days: 30 }),
  ];
  const items = drawn
    .flatMap((l) => {
      const write = scoreActivities(
        model!,
        l.profile.leadId,
        l.profile.attributes,
        undefined,
        l.activities,
        now,
      );
      return write ? [storedScore(write.item)] : [];
    })
    .slice(0, LEADS);
  const written = new Set(items.map((i) => scoreOf(i).leadId));
  // And each lead's search terms, as follow-profiles writes them from its profile.
  const terms = drawn
    .filter((l) => written.has(l.profile.leadId))
    .flatMap((l) =>
      termsOfProfile(l.profile.leadId, l.profile).map((t) => searchTermItem(t, l.profile.leadId)),
    );
  const puts = (list: Record<string, unknown>[]) => list.map((Item) => ({ PutRequest: { Item } }));
  await batchWrite(client, tables.leads, puts(items), 6);
  await batchWrite(client, tables.search, puts(terms), 6);
  return { scores: items.length, terms: terms.length };
}
