import { AsyncLocalStorage } from 'node:async_hooks';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { paginateScan } from '@aws-sdk/lib-dynamodb';
import type { Context } from 'aws-lambda';
import type { ACCESS_LOG_FIELDS } from '../infra/access-log.ts';
import type { LedgerActivity } from '../shared/domain/activity.ts';
import { type FunctionSpec, functionSpec } from '../shared/manifest.ts';
import { signLeadToken } from '../shared/security/tokens.ts';
import { type SyntheticLead, syntheticLeads } from '../shared/synthetic/generator.ts';
import { itemSize } from './item-size.ts';
import { PLATFORM_LOG_LINES, PRICES } from './prices.ts';
import { batchingWindowOverride, fmt, percentile, record } from './report.ts';

const DAY = 86_400_000;
const BUSY_LEADS = Number(process.env.BENCH_LEADS ?? 1000);
const QUIET_LEADS = Number(process.env.BENCH_QUIET_LEADS ?? 60);
/** Pixel hits in flight at once on the busy mix. */
const BUSY_CONCURRENCY = Number(process.env.BENCH_CONCURRENCY ?? 8);
/** The pause between hits on the quiet mix: longer than a stream poll, so most batches hold one event. */
const QUIET_GAP_MS = Number(process.env.BENCH_QUIET_GAP_MS ?? 300);
const FIRST_NAMES = ['Ana', 'Bartholomew', 'Chloé', 'Dmitri', 'Esperanza', 'Femi', 'Guðrún', 'Hiroshi'];
const LAST_NAMES = [
  'Lima',
  'Okonkwo-Smith',
  'van der Berg',
  'Nakamura',
  'Fitzgerald',
  'Ó Súilleabháin',
  'Kowalczyk',
];
/** An access log line of a pixel hit, as the stack's format writes it (infra/access-log.ts), with typical values. */
const TYPICAL_ACCESS: Record<keyof typeof ACCESS_LOG_FIELDS, string> = {
  requestId: 'Cq1ZkgVbDoEEJ3g=',
  ip: '203.0.113.7',
  time: '1796029950123',
  route: 'GET /p.gif',
  status: '200',
  bytes: '43',
  ms: '12',
};
const ACCESS_LOG_LINE = JSON.stringify(TYPICAL_ACCESS);
const BROWSER =
  'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0 Safari/537.36';

/** What one function did in a run, as Lambda would bill it. */
interface Usage {
  invocations: number;
  /** Stream records handed over, for stream consumers (their batch sizes). */
  records: number;
  durationMs: number;
  /** Each invocation's duration rounded up to the millisecond, as Lambda bills it. */
  billedMs: number;
  /** What the handler printed (logs and metric lines), in bytes. */
  logBytes: number;
}

/** Quantities measured over one mix, before prices. */
interface Measured {
  events: number;
  apiRequests: number;
  functions: Record<string, Usage>;
  writeUnits: number;
  /** Write units by where they went: item kind (EVT, SCORE, HIST, ...) and index. */
  writeUnitsBy: Record<string, number>;
  refusedWrites: number;
  readUnits: number;
  /** SNS publish requests as SNS bills them (the local topic's usage: each 64 KiB of a PublishBatch is one). */
  snsPublishes: number;
  /** HTTP/S delivery attempts: one per message and subscriber. */
  snsDeliveries: number;
}

/**
 * Dollars per million tracked events, from what the local runtime measures while it takes the synthetic mix's
 * pixel traffic (page views and e-mail opens, people's and bots', identified by signed lead tokens):
 * invocations per function and records per stream batch, DynamoDB's own ConsumedCapacity (tables and indexes),
 * each invocation's duration (indicative: this machine and DynamoDB Local, not Lambda and DynamoDB), the bytes
 * each handler prints with Lambda's log settings (Powertools at INFO, metrics on), and SNS publish requests (as
 * SNS bills them) and deliveries to one HTTP subscriber. Prices from bench/prices.ts, memory sizes from the
 * function manifest.
 * Two mixes: busy (hits as fast as BUSY_CONCURRENCY connections send them: stream batches hold many events) and quiet
 * (one hit every QUIET_GAP_MS: batches of one or two).
 */
export async function run(): Promise<void> {
  // Lambda's settings, not a developer's terminal: JSON lines, INFO, metrics flushed on every invocation.
  Object.assign(process.env, {
    LEADSCORE_COUNT_CAPACITY: '1',
    POWERTOOLS_METRICS_DISABLED: 'false',
    POWERTOOLS_DEV: 'false',
    POWERTOOLS_LOG_LEVEL: 'INFO',
  });
  const batchingWindow = await batchingWindowOverride();
  const invocation = new AsyncLocalStorage<Usage>();
  const usage = new Map<string, Usage>();
  captureOutput(invocation);

  // Imported only now: the handlers' logger and metrics read the settings above when first loaded.
  const { startRuntime } = await import('../local/runtime.ts');
  const { counters, metrics } = await import('../shared/telemetry.ts');
  const { Metrics } = await import('@aws-lambda-powertools/metrics');
  // Every handler shares this process and so one Metrics buffer, which any function's end-of-invocation flush would
  // print: another function's counts, split into many small lines. In Lambda each function has its own container,
  // so each invocation flushes only what it counted. Here each invocation gets its own buffer, flushed the same way.
  const ownMetrics = new AsyncLocalStorage<InstanceType<typeof Metrics>>();
  const addMetric = metrics.addMetric.bind(metrics);
  metrics.addMetric = (...args) => {
    const own = ownMetrics.getStore();
    if (own) own.addMetric(...args);
    else addMetric(...args);
    return metrics;
  };
  let deliveries = 0;
  // Pixel to notification: from the hit a notification names as its cause (the activity that changed the score)
  // to that notification's delivery.
  const sentAt = new Map<string, number>();
  const latencies: number[] = [];
  const hook = createServer((req, res) => {
    let body = '';
    req.on('data', (c: Buffer) => {
      body += c.toString();
    });
    req.on('end', () => {
      deliveries++;
      const { cause } = JSON.parse(JSON.parse(body).Message) as { cause: { eventIds?: string[] } };
      const sent = sentAt.get(cause.eventIds?.[0] ?? '');
      if (sent !== undefined) latencies.push(Date.now() - sent);
      res.writeHead(200).end();
    });
  });
  await new Promise<void>((done) => hook.listen(0, '127.0.0.1', done));
  const endpoint = `http://127.0.0.1:${(hook.address() as { port: number }).port}/`;
  const dataDir = mkdtempSync(join(tmpdir(), 'leadscore-cost-'));
  const runtime = await startRuntime({
    port: 0,
    inMemory: true,
    dataDir,
    subscriptions: [{ endpoint }],
    observe: (name, fn) =>
      (async (event: { Records?: unknown[] }, context: Context) => {
        const u = usage.get(name) ?? { invocations: 0, records: 0, durationMs: 0, billedMs: 0, logBytes: 0 };
        usage.set(name, u);
        u.invocations++;
        u.records += event?.Records?.length ?? 0;
        const started = performance.now();
        const own = new Metrics({
          namespace: 'Leadscore',
          serviceName: `leadscore-${functionSpec(name).handler}`,
        });
        try {
          return await invocation.run(u, () => ownMetrics.run(own, () => fn(event, context)));
        } finally {
          if (own.hasStoredMetrics()) invocation.run(u, () => own.publishStoredMetrics());
          const ms = performance.now() - started;
          u.durationMs += ms;
          u.billedMs += Math.ceil(ms);
        }
      }) as typeof fn,
  });

  /** Everything counted so far, to subtract. */
  const snapshot = (): Measured => {
    const c = counters();
    return {
      events: 0,
      apiRequests: 0,
      functions: Object.fromEntries([...usage].map(([k, v]) => [k, { ...v }])),
      writeUnits: c['dynamodb.writeUnits'] ?? 0,
      writeUnitsBy: Object.fromEntries(
        Object.entries(c)
          .filter(
            ([k]) => k.startsWith('dynamodb.writeUnits.item.') || k.startsWith('dynamodb.writeUnits.index.'),
          )
          .map(([k, v]) => [k.slice('dynamodb.writeUnits.'.length), v]),
      ),
      refusedWrites: c['dynamodb.refusedConditionalWrites'] ?? 0,
      readUnits: c['dynamodb.readUnits'] ?? 0,
      snsPublishes: runtime.topic.usage.publishes,
      snsDeliveries: runtime.topic.usage.deliveryAttempts,
    };
  };
  const drained = async () => {
    for (let last = '', still = 0; still < 8; ) {
      await new Promise((r) => setTimeout(r, 250));
      const now = JSON.stringify([counters(), runtime.topic.usage, deliveries, [...usage.values()]]);
      still = now === last ? still + 1 : 0;
      last = now;
    }
  };

  const mix = async (name: string, seed: number, leads: number, send: (hits: string[]) => Promise<void>) => {
    const people = [...syntheticLeads({ seed, leads, start: Date.now() - 14 * DAY, days: 14 })];
    const hits = pixelHits(name, people, runtime.signingSecret);
    // Before the measured window: each lead's profile, as a CRM sync leaves it, so score items carry who they are.
    for (const [i, lead] of people.entries()) {
      const response = await fetch(`${runtime.url}/v1/leads/${name}-${lead.profile.leadId}/attributes`, {
        method: 'PUT',
        headers: { authorization: `Bearer ${runtime.apiKey}`, 'content-type': 'application/json' },
        body: JSON.stringify({
          attributes: {
            ...lead.profile.attributes,
            email: `${name}-${lead.profile.attributes.email}`,
            firstName: FIRST_NAMES[i % FIRST_NAMES.length],
            lastName: LAST_NAMES[(i * 7) % LAST_NAMES.length],
            company: `${String(lead.profile.attributes.emailDomain).split('.')[0]} Holdings Ltd`,
          },
        }),
      });
      if (!response.ok) throw new Error(`profile: ${response.status} ${await response.text()}`);
    }
    await drained();
    const before = snapshot();
    const started = Date.now();
    await send(hits.map((h) => `${runtime.url}${h}`));
    await drained();
    const after = snapshot();
    const measured = difference(after, before);
    measured.events = hits.length;
    measured.apiRequests = Object.entries(measured.functions)
      .filter(([f]) => functionSpec(f).trigger.kind === 'http')
      .reduce((s, [, u]) => s + u.invocations, 0);
    console.log(
      `cost: ${name} mix: ${fmt(hits.length)} pixel hits from ${fmt(leads)} synthetic leads in ${((Date.now() - started) / 1000).toFixed(0)} s`,
    );
    return measured;
  };

  try {
    const busy = await mix('busy', 11, BUSY_LEADS, async (urls) => {
      let next = 0;
      await Promise.all(
        Array.from({ length: BUSY_CONCURRENCY }, async () => {
          while (next < urls.length) await hit(urls[next++]!);
        }),
      );
    });
    const quiet = await mix('quiet', 12, QUIET_LEADS, async (urls) => {
      for (const url of urls) {
        await hit(url, (eventId) => sentAt.set(eventId, Date.now()));
        await new Promise((r) => setTimeout(r, QUIET_GAP_MS));
      }
    });
    latencies.sort((a, b) => a - b);
    const quietLatency = {
      p50: percentile(latencies, 50),
      p99: percentile(latencies, 99),
      crossings: latencies.length,
    };

    const report = { busy: priced(busy), quiet: priced(quiet) };
    printReport(report, { busy, quiet });
    console.log(`\n${markdownTable(report)}`);
    console.log(
      `quiet mix, pixel to notification (${quietLatency.crossings} hits that crossed a threshold): p50 ${quietLatency.p50} ms, p99 ${quietLatency.p99} ms` +
        `${batchingWindow === undefined ? '' : ` (batching window ${batchingWindow} s)`}`,
    );
    const sizes = await scoreItemSizes(runtime.dynamodbEndpoint, runtime.tables.leads);
    console.log(
      `\nscore items: ${fmt(sizes.items)}, p50 ${sizes.p50} bytes, p99 ${sizes.p99}, largest ${sizes.max}; ` +
        `${(sizes.underOneKB * 100).toFixed(1)} % under 1 KB (goal: 99 %); ` +
        `bytes of an item over 1 KB: ${Object.entries(sizes.overOneKBBytesBy)
          .map(([name, bytes]) => `${name} ${bytes}`)
          .join(', ')}`,
    );
    record('cost', {
      ...(batchingWindow !== undefined && { batchingWindowSeconds: batchingWindow }),
      commit: commit(),
      prices: { region: PRICES.region, asOf: PRICES.asOf },
      mixes: {
        busy: { leads: BUSY_LEADS, concurrency: BUSY_CONCURRENCY, ...summary(busy, report.busy) },
        quiet: {
          leads: QUIET_LEADS,
          gapMs: QUIET_GAP_MS,
          ...summary(quiet, report.quiet),
          notificationLatencyMs: quietLatency,
        },
      },
      scoreItemBytes: sizes,
    });
  } finally {
    await runtime.stop();
    hook.close();
    rmSync(dataDir, { recursive: true, force: true });
  }
}

/** A hit the way a browser makes it: the GIF is read whole. */
async function hit(url: string, sent?: (eventId: string) => void): Promise<void> {
  const [path, ua, eventId] = url.split('\u0000') as [string, string, string];
  sent?.(eventId);
  const response = await fetch(path, { headers: { 'user-agent': ua } });
  await response.arrayBuffer();
  if (response.status !== 200) throw new Error(`pixel answered ${response.status}`);
}

/**
 * The synthetic mix's pixel traffic: page views (people's and crawlers') and e-mail opens, in time order, each
 * a pixel URL signed for its lead (an e-mail open's token names its e-mail), then its user agent and its event
 * id, each after a NUL.
 */
function pixelHits(mix: string, leads: SyntheticLead[], secret: string): string[] {
  const now = Date.now();
  const activities: LedgerActivity[] = leads.flatMap((l) =>
    l.activities.filter((a) => a.type === 'page_view' || a.type === 'email_open'),
  );
  activities.sort((a, b) => (a.occurredAt < b.occurredAt ? -1 : 1));
  const expires = Math.floor(now / 1000) + 7 * 86_400;
  return activities.map((a) => {
    const emailId = a.type === 'email_open' ? String(a.properties?.emailId) : undefined;
    // Each mix its own leads: the generator numbers every run's leads from zero.
    const token = signLeadToken(secret, {
      l: `${mix}-${a.leadId}`,
      x: expires,
      ...(emailId && { m: emailId }),
    });
    const query = new URLSearchParams({ t: token, id: `${mix}-${a.eventId}` });
    if (a.type === 'page_view') query.set('u', `https://www.example.com${a.properties?.path ?? '/'}`);
    const ua = String(a.properties?.userAgent ?? BROWSER);
    return `/p.gif?${query}\u0000${ua}\u0000${mix}-${a.eventId}`;
  });
}

/**
 * Every write the handlers make to stdout or stderr inside an invocation is counted to that invocation's
 * function and kept off the terminal; what the benchmark itself prints passes through.
 */
function captureOutput(invocation: AsyncLocalStorage<Usage>): void {
  for (const stream of [process.stdout, process.stderr]) {
    const write = stream.write.bind(stream) as (...args: unknown[]) => boolean;
    stream.write = ((chunk: string | Uint8Array, ...rest: unknown[]) => {
      const u = invocation.getStore();
      if (!u) return write(chunk, ...rest);
      u.logBytes += typeof chunk === 'string' ? Buffer.byteLength(chunk) : chunk.byteLength;
      const done = rest.find((r) => typeof r === 'function') as (() => void) | undefined;
      done?.();
      return true;
    }) as typeof stream.write;
  }
}

/** Every score item's size as DynamoDB bills it (a write unit per started KB). */
async function scoreItemSizes(endpoint: string, table: string) {
  const { documentClient } = await import('../shared/store/dynamo.ts');
  const client = documentClient(endpoint);
  const sizes: number[] = [];
  // Where the bytes of the items over 1 KB are, attribute by attribute: what to shrink to bring them under.
  const over = new Map<string, number>();
  let overItems = 0;
  for await (const page of paginateScan(
    { client },
    {
      TableName: table,
      FilterExpression: 'entity = :score',
      ExpressionAttributeValues: { ':score': 'score' },
    },
  ))
    for (const item of page.Items ?? []) {
      const size = itemSize(item);
      sizes.push(size);
      if (size <= 1024) continue;
      overItems++;
      for (const [name, value] of Object.entries(item))
        over.set(name, (over.get(name) ?? 0) + itemSize({ [name]: value }));
    }
  client.destroy();
  sizes.sort((a, b) => a - b);
  return {
    items: sizes.length,
    p50: percentile(sizes, 50),
    p99: percentile(sizes, 99),
    max: sizes.at(-1) ?? 0,
    underOneKB: round(sizes.filter((b) => b <= 1024).length / Math.max(1, sizes.length), 4),
    overOneKBBytesBy: Object.fromEntries(
      [...over]
        .sort(([, a], [, b]) => b - a)
        .map(([name, bytes]) => [name, Math.round(bytes / Math.max(1, overItems))]),
    ),
  };
}

function difference(after: Measured, before: Measured): Measured {
  const functions: Record<string, Usage> = {};
  for (const [name, u] of Object.entries(after.functions)) {
    const b = before.functions[name];
    const d = {
      invocations: u.invocations - (b?.invocations ?? 0),
      records: u.records - (b?.records ?? 0),
      durationMs: u.durationMs - (b?.durationMs ?? 0),
      billedMs: u.billedMs - (b?.billedMs ?? 0),
      logBytes: u.logBytes - (b?.logBytes ?? 0),
    };
    if (d.invocations > 0) functions[name] = d;
  }
  return {
    events: 0,
    apiRequests: 0,
    functions,
    writeUnits: after.writeUnits - before.writeUnits,
    writeUnitsBy: Object.fromEntries(
      Object.entries(after.writeUnitsBy).map(([k, v]) => [k, v - (before.writeUnitsBy[k] ?? 0)]),
    ),
    refusedWrites: after.refusedWrites - before.refusedWrites,
    readUnits: after.readUnits - before.readUnits,
    snsPublishes: after.snsPublishes - before.snsPublishes,
    snsDeliveries: after.snsDeliveries - before.snsDeliveries,
  };
}

/** What Lambda writes per invocation on its own: the platform lines, unless the function logs them at WARN. */
function platformLogBytes(spec: FunctionSpec): number {
  return spec.systemLogLevel === 'WARN'
    ? 0
    : PLATFORM_LOG_LINES.reduce((s, l) => s + Buffer.byteLength(l) + 1, 0);
}

/** One line of the bill: a quantity per million events and its dollars per million events. */
interface Line {
  part: string;
  quantity: string;
  dollars: number;
}

/** Dollars per million events, part by part, for both ways of serving the pixel. */
function priced(m: Measured) {
  const perMillion = 1e6 / m.events;
  const lines: Line[] = [];
  const q = (n: number, unit: string) => `${fmt(n * perMillion)} ${unit}`;
  let logBytes = 0;
  for (const [name, u] of Object.entries(m.functions).sort(([a], [b]) => a.localeCompare(b))) {
    const spec = functionSpec(name);
    const gbSeconds = (u.billedMs / 1000) * (spec.memoryMb / 1024);
    const stream =
      spec.trigger.kind === 'stream' ? `, ${(u.records / u.invocations).toFixed(1)} records a batch` : '';
    lines.push({
      part: `Lambda ${name}`,
      quantity: `${q(u.invocations, 'invocations')}${stream}, ${(u.durationMs / u.invocations).toFixed(1)} ms each at ${spec.memoryMb} MB`,
      dollars: (u.invocations * PRICES.lambdaRequest + gbSeconds * PRICES.lambdaArmGbSecond) * perMillion,
    });
    logBytes += u.logBytes + u.invocations * platformLogBytes(spec);
  }
  const writes = m.writeUnits + m.refusedWrites;
  lines.push(
    {
      part: 'DynamoDB writes',
      quantity: `${q(writes, 'WRU')}: ${(writes / m.events).toFixed(2)} an event (${Object.entries(
        m.writeUnitsBy,
      )
        .filter(([, v]) => v > 0)
        .map(([k, v]) => `${k} ${(v / m.events).toFixed(2)}`)
        .join(', ')}; refused conditions ${(m.refusedWrites / m.events).toFixed(2)})`,
      dollars: writes * PRICES.dynamodbWriteUnit * perMillion,
    },
    {
      part: 'DynamoDB reads',
      quantity: `${q(m.readUnits, 'RRU')} (${(m.readUnits / m.events).toFixed(2)} an event)`,
      dollars: m.readUnits * PRICES.dynamodbReadUnit * perMillion,
    },
    {
      part: 'SNS',
      quantity: `${q(m.snsPublishes, 'publish requests')}, ${q(m.snsDeliveries, 'HTTPS deliveries')}`,
      dollars: (m.snsPublishes * PRICES.snsPublish + m.snsDeliveries * PRICES.snsHttpDelivery) * perMillion,
    },
    {
      part: 'CloudWatch Logs',
      quantity: `${((logBytes * perMillion) / 1e9).toFixed(2)} GB (${(logBytes / m.events).toFixed(0)} bytes an event, Lambda's platform lines included)`,
      dollars: (logBytes / 1e9) * PRICES.logsIngestedGb * perMillion,
    },
  );
  const common = lines.reduce((s, l) => s + l.dollars, 0);
  // Served by the HTTP API, each request also writes a line to the API's access log.
  const accessLogBytes = m.apiRequests * (Buffer.byteLength(ACCESS_LOG_LINE) + 1);
  const api = {
    part: 'API Gateway (HTTP API)',
    quantity: `${q(m.apiRequests, 'requests')}, and their access log lines (${Buffer.byteLength(ACCESS_LOG_LINE)} bytes each, Infrequent Access class)`,
    dollars:
      (m.apiRequests * PRICES.httpApiRequest +
        (accessLogBytes / 1e9) * PRICES.logsIngestedGbInfrequentAccess) *
      perMillion,
  };
  // Behind CloudFront (pixelEndpoint: cloudfront), each hit is a CloudFront request, and a WAF request if one is set.
  const cloudfront = m.apiRequests * PRICES.cloudfrontHttpsRequest * perMillion;
  const waf = m.apiRequests * PRICES.wafRequest * perMillion;
  return {
    lines,
    api,
    functionUrl: common,
    httpApi: common + api.dollars,
    cloudfront: common + cloudfront,
    cloudfrontWithWaf: common + cloudfront + waf,
    logBytesPerEvent: logBytes / m.events,
  };
}

type Priced = ReturnType<typeof priced>;

/** The same figures as a Markdown table, busy and quiet side by side, for docs/deploy.md and the README. */
function markdownTable(report: { busy: Priced; quiet: Priced }): string {
  const row = (cells: string[]) => `| ${cells.join(' | ')} |`;
  const parts = [report.busy.api, ...report.busy.lines].map((l) => l.part);
  const dollars = (r: Priced, part: string) =>
    `$${([r.api, ...r.lines].find((l) => l.part === part)?.dollars ?? 0).toFixed(3)}`;
  return [
    row(['Part, per million pixel events', 'busy', 'quiet']),
    row(['---', '---:', '---:']),
    ...parts.map((part) => row([part, dollars(report.busy, part), dollars(report.quiet, part)])),
    row([
      '**Total, function URL pixel**',
      `**$${report.busy.functionUrl.toFixed(2)}**`,
      `**$${report.quiet.functionUrl.toFixed(2)}**`,
    ]),
    row([
      '**Total, HTTP API pixel**',
      `**$${report.busy.httpApi.toFixed(2)}**`,
      `**$${report.quiet.httpApi.toFixed(2)}**`,
    ]),
    row([
      'Total, function URLs behind CloudFront (with a WAF)',
      `$${report.busy.cloudfront.toFixed(2)} ($${report.busy.cloudfrontWithWaf.toFixed(2)})`,
      `$${report.quiet.cloudfront.toFixed(2)} ($${report.quiet.cloudfrontWithWaf.toFixed(2)})`,
    ]),
  ].join('\n');
}

function printReport(report: { busy: Priced; quiet: Priced }, measured: { busy: Measured; quiet: Measured }) {
  console.log(
    `prices: ${PRICES.region}, ${PRICES.asOf} (bench/prices.ts); durations measured here and indicative; per million pixel events`,
  );
  for (const [name, r] of Object.entries(report) as [keyof typeof report, Priced][]) {
    console.log(`\n${name} mix (${fmt(measured[name].events)} events)`);
    console.log(`${'part'.padEnd(26)} ${'$ / M events'.padStart(12)}  quantity per million events`);
    for (const l of [r.api, ...r.lines])
      console.log(`${l.part.padEnd(26)} ${l.dollars.toFixed(3).padStart(12)}  ${l.quantity}`);
    console.log(
      `${'total, HTTP API pixel'.padEnd(26)} ${r.httpApi.toFixed(2).padStart(12)}  (goal on the busy mix: <= 2.50)`,
    );
    console.log(
      `${'total, CloudFront + URL'.padEnd(26)} ${r.cloudfront.toFixed(2).padStart(12)}  (${r.cloudfrontWithWaf.toFixed(2)} with a WAF)`,
    );
    console.log(
      `${'total, function URL pixel'.padEnd(26)} ${r.functionUrl.toFixed(2).padStart(12)}  (goal on the busy mix: <= 1.50)`,
    );
  }
}

function summary(m: Measured, r: Priced) {
  return {
    events: m.events,
    dollarsPerMillion: {
      httpApi: round(r.httpApi),
      functionUrl: round(r.functionUrl),
      cloudfront: round(r.cloudfront),
      cloudfrontWithWaf: round(r.cloudfrontWithWaf),
    },
    parts: Object.fromEntries([r.api, ...r.lines].map((l) => [l.part, round(l.dollars, 3)])),
    writeUnitsPerEvent: round((m.writeUnits + m.refusedWrites) / m.events),
    writeUnitsPerEventBy: Object.fromEntries(
      Object.entries(m.writeUnitsBy).map(([k, v]) => [k, round(v / m.events, 3)]),
    ),
    readUnitsPerEvent: round(m.readUnits / m.events),
    logBytesPerEvent: Math.round(r.logBytesPerEvent),
    functions: Object.fromEntries(
      Object.entries(m.functions).map(([name, u]) => [
        name,
        {
          invocationsPerEvent: round(u.invocations / m.events, 3),
          recordsPerBatch: u.records ? round(u.records / u.invocations) : undefined,
          msPerInvocation: round(u.durationMs / u.invocations, 1),
          logBytesPerInvocation: Math.round(u.logBytes / u.invocations),
        },
      ]),
    ),
    snsPublishesPerEvent: round(m.snsPublishes / m.events, 4),
  };
}

function round(n: number, digits = 2): number {
  return Math.round(n * 10 ** digits) / 10 ** digits;
}

function commit(): string {
  try {
    return execFileSync('git', ['rev-parse', '--short', 'HEAD'], { encoding: 'utf8' }).trim();
  } catch {
    return 'unknown';
  }
}
