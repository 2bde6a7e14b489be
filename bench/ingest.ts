import { type ChildProcess, spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BatchGetCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import autocannon from 'autocannon';
import { PIXEL_GIF, PIXEL_HEADERS } from '../shared/ingest/pixel.ts';
import { LOCAL_STAGE, tableNames } from '../shared/names.ts';
import { documentClient } from '../shared/store/dynamo.ts';
import { Ledger } from '../shared/store/ledger.ts';
import { fmt, record } from './report.ts';

const LOCAL_TABLES = tableNames(LOCAL_STAGE);

const DURATION = Number(process.env.BENCH_SECONDS ?? 10);
const CONNECTIONS = 10;
const BATCH = 10;
const UA =
  'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0 Safari/537.36';

interface Load {
  requestsPerSecond: number;
  p50ms: number;
  p99ms: number;
  errors: number;
  non2xx: number;
}

/**
 * The pixel and the batch API on the local runtime (a separate process, as `npm start` runs it, with DynamoDB
 * Local), and a static-GIF server as the floor, each under the same bounded loopback load, one after another.
 */
export async function run(): Promise<void> {
  const dataDir = mkdtempSync(join(tmpdir(), 'leadscore-bench-'));
  const baseline = createServer((_req, res) => {
    res.writeHead(200, PIXEL_HEADERS);
    res.end(PIXEL_GIF);
  });
  await new Promise<void>((done) => baseline.listen(0, '127.0.0.1', done));
  const baselineUrl = `http://127.0.0.1:${(baseline.address() as { port: number }).port}`;
  const runtime = await startRuntimeProcess(dataDir);
  try {
    console.log(
      `ingest: ${CONNECTIONS} connections, ${DURATION} s each, loopback; runtime and DynamoDB Local share this machine's ${process.env.BENCH_CORES ?? '2'} cores with the load generator`,
    );
    let n = 0;
    const pixelPath = () => `/p.gif?a=bench-${n % 5000}&u=%2Fpricing&id=px-${++n}`;
    const staticGif = await load(baselineUrl, {
      method: 'GET',
      setupRequest: (r: { path: string }) => ({ ...r, path: pixelPath() }),
    });
    console.log(`static GIF server     ${line(staticGif)}`);
    // A hit with no identity is answered without touching storage: the HTTP, event-shaping and handler cost alone.
    const pixelNoStorage = await load(runtime.url, { method: 'GET', path: '/p.gif?u=%2Fpricing' });
    console.log(`pixel, no storage     ${line(pixelNoStorage)}   (a hit rejected before any write)`);
    const pixel = await load(runtime.url, {
      method: 'GET',
      setupRequest: (r: { path: string }) => ({ ...r, path: pixelPath() }),
    });
    console.log(`pixel (runtime)       ${line(pixel)}`);
    const raw = await dynamoDbLocalCeiling(runtime.dynamodbEndpoint);
    console.log(
      `DynamoDB Local alone: ${fmt(raw.putsPerSecond)} conditional puts/s, ${fmt(raw.batchGetsPerSecond)} batch gets/s at ${CONNECTIONS} in flight`,
    );
    const batch = await load(runtime.url, {
      method: 'POST',
      path: '/v1/events',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${runtime.apiKey}` },
      setupRequest: (r: object) => ({
        ...r,
        body: JSON.stringify({
          events: Array.from({ length: BATCH }, () => ({
            eventId: randomUUID(),
            leadId: `bench-lead-${n++ % 5000}`,
            type: 'page_view',
            occurredAt: new Date().toISOString(),
            properties: { path: '/docs/start' },
          })),
        }),
      }),
    });
    console.log(
      `events API, ${BATCH}/request ${line(batch)} (${fmt(batch.requestsPerSecond * BATCH)} events/s)`,
    );

    const writeUnits = await writeUnitsPerEvent(runtime.dynamodbEndpoint);
    console.log(
      `DynamoDB write units per accepted event: ${writeUnits.perEvent} (pixel-shaped ${writeUnits.pixel}, API-shaped ${writeUnits.api}); a duplicate writes nothing`,
    );
    const figures = {
      connections: CONNECTIONS,
      seconds: DURATION,
      staticGif,
      pixel: { ...pixel, ratioToStatic: round(pixel.requestsPerSecond / staticGif.requestsPerSecond) },
      pixelNoStorage: {
        ...pixelNoStorage,
        ratioToStatic: round(pixelNoStorage.requestsPerSecond / staticGif.requestsPerSecond),
      },
      dynamodbLocal: raw,
      events: {
        ...batch,
        eventsPerSecond: Math.round(batch.requestsPerSecond * BATCH),
        eventsPerRequest: BATCH,
      },
      writeUnitsPerEvent: writeUnits.perEvent,
    };
    console.log(
      `side by side in this run: the pixel without storage is ${figures.pixelNoStorage.ratioToStatic}x the static GIF server's throughput; with DynamoDB Local, ${figures.pixel.ratioToStatic}x`,
    );
    record('ingest', figures);
  } finally {
    runtime.child.kill('SIGINT');
    await new Promise((r) => runtime.child.once('exit', r));
    baseline.close();
    rmSync(dataDir, { recursive: true, force: true });
  }
}

async function load(url: string, request: Record<string, unknown>): Promise<Load> {
  const result = await autocannon({
    url,
    connections: CONNECTIONS,
    duration: DURATION,
    requests: [request] as never,
    headers: { 'user-agent': UA },
  });
  return {
    requestsPerSecond: Math.round(result.requests.average),
    p50ms: result.latency.p50,
    p99ms: result.latency.p99,
    errors: result.errors,
    non2xx: result.non2xx,
  };
}

function line(l: Load): string {
  return `${fmt(l.requestsPerSecond).padStart(7)} req/s   p50 ${l.p50ms} ms   p99 ${l.p99ms} ms   errors ${l.errors + l.non2xx}`;
}

/** What DynamoDB Local itself sustains for the pixel's two calls (a batch get and a conditional put). */
async function dynamoDbLocalCeiling(endpoint: string) {
  const client = documentClient(endpoint);
  const measure = async (op: (i: number) => Promise<unknown>) => {
    let n = 0;
    const end = Date.now() + 3000;
    await Promise.all(
      Array.from({ length: CONNECTIONS }, async () => {
        while (Date.now() < end) await op(n++);
      }),
    );
    return Math.round(n / 3);
  };
  const putsPerSecond = await measure((i) =>
    client.send(
      new PutCommand({
        TableName: LOCAL_TABLES.activities,
        Item: { pk: `CEIL#${i}`, sk: 'X', pad: 'x'.repeat(250) },
        ConditionExpression: 'attribute_not_exists(pk)',
      }),
    ),
  );
  const batchGetsPerSecond = await measure((i) =>
    client.send(
      new BatchGetCommand({
        RequestItems: { [LOCAL_TABLES.leads]: { Keys: [{ pk: `ALIAS#A#ceil-${i}`, sk: 'ALIAS' }] } },
      }),
    ),
  );
  client.destroy();
  return { putsPerSecond, batchGetsPerSecond };
}

/** Records representative activities straight through the ledger adapter and sums the ConsumedCapacity DynamoDB reports. */
async function writeUnitsPerEvent(endpoint: string) {
  const client = documentClient(endpoint);
  const ledger = new Ledger(client, LOCAL_TABLES, 400);
  const now = Date.now();
  let pixelUnits = 0;
  let apiUnits = 0;
  const N = 200;
  for (let i = 0; i < N; i++) {
    const px = await ledger.record(
      { kind: 'anonymous', id: `wcu-${i}` },
      {
        eventId: `px-${randomUUID()}`,
        anonymousId: `wcu-${i}`,
        type: 'page_view',
        occurredAt: new Date(now).toISOString(),
        properties: {
          url: 'https://acme.test/pricing?plan=pro',
          path: '/pricing',
          referrer: 'https://www.google.com/',
          userAgent: UA,
        },
      },
      'pixel',
      now,
    );
    const api = await ledger.record(
      { kind: 'lead', id: `wcu-lead-${i}` },
      {
        eventId: randomUUID(),
        leadId: `wcu-lead-${i}`,
        type: 'form_submit',
        occurredAt: new Date(now).toISOString(),
        properties: { form: 'demo', campaign: 'q4-webinar' },
      },
      'api',
      now,
    );
    pixelUnits += px.writeUnits;
    apiUnits += api.writeUnits;
  }
  client.destroy();
  return {
    pixel: round(pixelUnits / N),
    api: round(apiUnits / N),
    perEvent: round((pixelUnits + apiUnits) / (2 * N)),
  };
}

async function startRuntimeProcess(
  dataDir: string,
): Promise<{ child: ChildProcess; url: string; apiKey: string; dynamodbEndpoint: string }> {
  const child = spawn(
    process.execPath,
    ['local/main.ts', '--in-memory', '--port', '0', '--data-dir', dataDir],
    { stdio: ['ignore', 'pipe', 'ignore'] },
  );
  let output = '';
  child.stdout!.on('data', (d: Buffer) => {
    output += d.toString();
  });
  const deadline = Date.now() + 60_000;
  while (!/API key\s+(\S+)/.test(output)) {
    if (child.exitCode !== null || Date.now() > deadline)
      throw new Error(`the local runtime did not start:\n${output}`);
    await new Promise((r) => setTimeout(r, 100));
  }
  return {
    child,
    url: /API\s+(http:\/\/\S+)\/v1/.exec(output)![1]!,
    apiKey: /API key\s+(\S+)/.exec(output)![1]!,
    dynamodbEndpoint: /DynamoDB\s+(http:\/\/\S+)/.exec(output)![1]!,
  };
}

function round(x: number): number {
  return Math.round(x * 100) / 100;
}
