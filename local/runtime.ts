import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import type { EventBridgeEvent } from 'aws-lambda';
import * as z from 'zod';
import { buildDashboard } from '../dashboard/build.ts';
import type { SweepResult } from '../functions/decay-sweep.ts';
import { HttpProblem, json, problemResponse } from '../shared/http/problem.ts';
import { matchPath, ROUTES } from '../shared/http/routes.ts';
import { functionTriggeredBy } from '../shared/manifest.ts';
import { LOCAL_STAGE, tableNames } from '../shared/names.ts';
import type { Notification } from '../shared/notify/notifications.ts';
import { apiKeyFrom, hashApiKey, newApiKey } from '../shared/security/apikeys.ts';
import { documentClient } from '../shared/store/dynamo.ts';
import { LeadDirectory } from '../shared/store/leads.ts';
import { ACTIVITIES_TABLE, LEADS_TABLE } from '../shared/store/tables.ts';
import { STREAM_CONSUMERS } from '../shared/streams.ts';
import { counters } from '../shared/telemetry.ts';
import { DEMO_PAGE } from './demo-page.ts';
import { ensureTables, startDynamoDbLocal } from './dynamodb.ts';
import { BodyTooLarge, type HttpHandler, lambdaContext, toApiGatewayEvent, writeResult } from './gateway.ts';
import { type StreamFailure, type StreamHandler, StreamPoller } from './streams.ts';
import { LocalTopic, type Subscription } from './topic.ts';

export interface RuntimeOptions {
  port?: number | undefined;
  host?: string | undefined;
  /** Where DynamoDB's data, the signing secret, the local API key and runtime.json live. */
  dataDir?: string | undefined;
  /** Keep nothing: DynamoDB in memory, a fresh secret and key. */
  inMemory?: boolean | undefined;
  apiKey?: string | undefined;
  /** HTTP subscribers of the notification topic, with optional SNS filter policies. */
  subscriptions?: Subscription[] | undefined;
  /** Run the decay sweep this often (ms) instead of nightly at 02:00 UTC, for demos. */
  decayEveryMs?: number | undefined;
  /** Model files in force (comma-separated); default LEADSCORE_MODELS or models/default.yaml. */
  models?: string | undefined;
  log?: (line: string) => void;
}

export interface Runtime {
  url: string;
  apiKey: string;
  apiKeyCreated: boolean;
  signingSecret: string;
  dynamodbEndpoint: string;
  tables: { activities: string; leads: string };
  topic: LocalTopic;
  failures: StreamFailure[];
  /** Runs the decay sweep now, as of `at` (default now), to completion; as of `at`, a preview unless `commit`. */
  decay(at?: string, commit?: boolean): Promise<SweepResult>;
  stop(): Promise<void>;
}

/** What `leadscore` commands read to act on the running local runtime of this checkout. */
export const RuntimeState = z.object({
  url: z.string(),
  dynamodbEndpoint: z.string(),
  tables: z.object({ activities: z.string(), leads: z.string() }),
  signingSecret: z.string(),
  /** The model files in force (LEADSCORE_MODELS). */
  models: z.string(),
  pid: z.number(),
});

export const DEFAULT_DATA_DIR = '.data';

const FilterCondition = z.union([
  z.string(),
  z.strictObject({ 'anything-but': z.union([z.string(), z.array(z.string())]) }),
  z.strictObject({ prefix: z.string() }),
  z.strictObject({ exists: z.boolean() }),
]);
export const SubscriptionSchema = z.strictObject({
  endpoint: z.url({ protocol: /^https?$/ }),
  filterPolicy: z.record(z.string(), z.array(FilterCondition).min(1)).optional(),
});

/** The demo site's pages: paths the shipped models score (pricing, case studies, docs, careers). */
const DEMO_PATHS = /^\/(|pricing|careers|(customers|docs|blog)\/[a-z0-9-]+)$/;

/**
 * The whole system on one machine: DynamoDB Local with the stack's tables, and the HTTP API served by the very
 * handlers that run in Lambda, each request turned into the API Gateway event they get there.
 */
export async function startRuntime(options: RuntimeOptions = {}): Promise<Runtime> {
  const dataDir = resolve(options.dataDir ?? DEFAULT_DATA_DIR);
  mkdirSync(dataDir, { recursive: true });
  const signingSecret =
    process.env.LEADSCORE_SIGNING_SECRET ??
    persisted(options.inMemory ? undefined : join(dataDir, 'signing-secret'), () =>
      randomBytes(32).toString('base64url'),
    );
  const dynamodb = await startDynamoDbLocal({
    dataDir: options.inMemory ? undefined : join(dataDir, 'dynamodb'),
  });
  const tables = tableNames(LOCAL_STAGE);
  await ensureTables(dynamodb.endpoint, [
    { definition: ACTIVITIES_TABLE, name: tables.activities },
    { definition: LEADS_TABLE, name: tables.leads },
  ]);

  // The dashboard is static files, built once here (the stack builds them into its function's bundle).
  const dashboardDir = options.inMemory
    ? mkdtempSync(join(tmpdir(), 'leadscore-dashboard-'))
    : join(dataDir, 'dashboard');
  await buildDashboard(dashboardDir);

  // The handlers read their configuration when first imported, exactly as a Lambda cold start does.
  Object.assign(process.env, {
    DASHBOARD_DIR: dashboardDir,
    ACTIVITIES_TABLE: tables.activities,
    LEADS_TABLE: tables.leads,
    SIGNING_SECRET: signingSecret,
    DYNAMODB_ENDPOINT: dynamodb.endpoint,
    POWERTOOLS_LOG_LEVEL: process.env.POWERTOOLS_LOG_LEVEL ?? 'WARN',
    POWERTOOLS_METRICS_DISABLED: 'true',
    POWERTOOLS_DEV: 'true',
    LEADSCORE_MODELS: options.models ?? process.env.LEADSCORE_MODELS ?? 'models/default.yaml',
  });
  const handlers = new Map<string, HttpHandler>();
  for (const route of ROUTES) {
    const module = (await import(`../functions/${route.handler}.ts`)) as { handler: HttpHandler };
    handlers.set(route.handler, module.handler);
  }
  const bus = (await import(`../functions/${functionTriggeredBy('bus').handler}.ts`)).handler as (
    e: EventBridgeEvent<string, unknown>,
    c: unknown,
  ) => Promise<void>;
  const directory = new LeadDirectory(documentClient(dynamodb.endpoint), tables);

  const envKey = options.apiKey ?? process.env.LEADSCORE_API_KEY;
  const keyFile = options.inMemory ? undefined : join(dataDir, 'api-key');
  const apiKeyCreated = envKey === undefined && (keyFile === undefined || !existsSync(keyFile));
  const apiKey = envKey ?? persisted(keyFile, newApiKey);
  await directory.putApiKey(hashApiKey(apiKey), envKey ? 'LEADSCORE_API_KEY' : 'local', Date.now());

  const server = createServer((request, response) => {
    serve(request, response).catch((error) => {
      options.log?.(`request failed: ${(error as Error).stack}`);
      if (!response.headersSent)
        writeResult(
          response,
          problemResponse(new HttpProblem(500, 'Internal Server Error', 'the local runtime failed')),
        );
      else response.destroy();
    });
  });

  async function serve(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const path = (request.url ?? '/').split('?')[0]!;
    const method = request.method ?? 'GET';
    if (method === 'GET' && DEMO_PATHS.test(path)) {
      response.writeHead(200, { 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-store' });
      response.end(DEMO_PAGE);
      return;
    }
    if (method === 'GET' && path === '/local/metrics') return writeResult(response, json(200, counters()));
    if (method === 'POST' && path === '/local/topic') return publishLocally(request, response);
    if (method === 'GET' && path === '/local/notifications')
      return writeResult(response, json(200, topic.feed.slice(-100).reverse()));
    if (method === 'GET' && path === '/local/failures') return writeResult(response, json(200, failures));
    if (method === 'POST' && path === '/local/subscriptions') {
      const parsed = SubscriptionSchema.safeParse(
        JSON.parse((await toApiGatewayEvent(request, 'POST /local/subscriptions', undefined)).body ?? '{}'),
      );
      if (!parsed.success)
        return writeResult(
          response,
          problemResponse(
            new HttpProblem(400, 'Bad Request', 'send {"endpoint": "http://...", "filterPolicy"?: {...}}'),
          ),
        );
      topic.subscribe(parsed.data as Subscription);
      return writeResult(response, json(201, parsed.data));
    }
    if (method === 'POST' && path === '/local/decay') {
      const body = (await toApiGatewayEvent(request, 'POST /local/decay', undefined)).body;
      const { at, commit } = body ? (JSON.parse(body) as { at?: string; commit?: boolean }) : {};
      return writeResult(response, json(200, await decay(at, commit)));
    }
    if (method === 'POST' && path === '/local/events') return putEvents(request, response);
    for (const route of ROUTES) {
      if (route.method !== method) continue;
      const params = matchPath(route.path, path);
      if (!params) continue;
      const routeKey = `${route.method} ${route.path}`;
      let event: Awaited<ReturnType<typeof toApiGatewayEvent>>;
      try {
        event = await toApiGatewayEvent(request, routeKey, route.path.includes('{') ? params : undefined);
      } catch (error) {
        if (error instanceof BodyTooLarge)
          return writeResult(
            response,
            problemResponse(new HttpProblem(413, 'Content Too Large', 'the body exceeds 10 MB')),
          );
        throw error;
      }
      const result = await handlers.get(route.handler)!(event, lambdaContext(route.handler));
      return writeResult(response, result);
    }
    writeResult(
      response,
      problemResponse(new HttpProblem(404, 'Not Found', `no route for ${method} ${path}`)),
    );
  }

  /** The EventBridge bus, locally: PutEvents-shaped entries, delivered to the bus handler one by one. */
  async function putEvents(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const key = apiKeyFrom(
      Object.fromEntries(Object.entries(request.headers).map(([k, v]) => [k, Array.isArray(v) ? v[0] : v])),
    );
    if (!key || !(await directory.apiKey(hashApiKey(key)))) {
      return writeResult(
        response,
        problemResponse(new HttpProblem(401, 'Unauthorized', 'send the local API key')),
      );
    }
    const event = await toApiGatewayEvent(request, 'POST /local/events', undefined);
    const Entries = z.object({
      Entries: z
        .array(z.object({ Source: z.string(), DetailType: z.string(), Detail: z.string() }))
        .min(1)
        .max(10),
    });
    let parsed: z.infer<typeof Entries>;
    try {
      parsed = Entries.parse(JSON.parse(event.body ?? ''));
    } catch {
      return writeResult(
        response,
        problemResponse(
          new HttpProblem(
            400,
            'Bad Request',
            'send {"Entries": [{"Source", "DetailType", "Detail": "<JSON text>"}]}, 1 to 10 entries',
          ),
        ),
      );
    }
    const results: ({ EventId: string } | { ErrorCode: string; ErrorMessage: string })[] = [];
    for (const entry of parsed.Entries) {
      let detail: unknown;
      try {
        detail = JSON.parse(entry.Detail);
      } catch {
        results.push({ ErrorCode: 'MalformedDetail', ErrorMessage: 'Detail is not valid JSON' });
        continue;
      }
      const id = crypto.randomUUID();
      await bus(
        {
          version: '0',
          id,
          'detail-type': entry.DetailType,
          source: entry.Source,
          account: 'local',
          time: new Date().toISOString(),
          region: 'local',
          resources: [],
          detail,
        },
        lambdaContext(functionTriggeredBy('bus').handler),
      );
      results.push({ EventId: id });
    }
    writeResult(
      response,
      json(200, { FailedEntryCount: results.filter((r) => 'ErrorCode' in r).length, Entries: results }),
    );
  }

  /** What the notify handler's LocalTopicPublisher posts to: the local stand-in for SNS Publish. */
  async function publishLocally(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const event = await toApiGatewayEvent(request, 'POST /local/topic', undefined);
    const { message, attributes } = JSON.parse(event.body ?? '{}') as {
      message: Notification;
      attributes: Record<string, string>;
    };
    topic.publish(message, attributes);
    writeResult(response, json(200, { MessageId: message.id }));
  }

  const log = options.log ?? (() => undefined);
  const topic = new LocalTopic(options.subscriptions ?? [], log);
  const failures: StreamFailure[] = [];

  const host = options.host ?? '127.0.0.1';
  await new Promise<void>((done, fail) => {
    server.once('error', fail);
    server.listen(options.port ?? 3000, host, () => done());
  });
  const { port } = server.address() as { port: number };
  const url = `http://${host}:${port}`;

  // The stream handlers publish to the local topic, whose address is known only now.
  process.env.LOCAL_TOPIC_URL = `${url}/local/topic`;
  const pollers: StreamPoller[] = [];
  for (const consumer of STREAM_CONSUMERS) {
    const module = (await import(`../functions/${consumer.handler}.ts`)) as { handler: StreamHandler };
    const poller = new StreamPoller({
      endpoint: dynamodb.endpoint,
      tableName: tables[consumer.table],
      consumer,
      handler: module.handler,
      onFailure: (failure) => {
        failures.push(failure);
        log(
          `${failure.handler}: ${failure.records} record(s) sent to the on-failure destination (${failure.reason})`,
        );
      },
      checkpointFile: options.inMemory ? undefined : join(dataDir, `stream-${consumer.handler}.json`),
      log,
    });
    await poller.start();
    pollers.push(poller);
  }
  const scheduled = functionTriggeredBy('schedule').handler;
  const sweep = (await import(`../functions/${scheduled}.ts`)).handler as (
    event: unknown,
    context: ReturnType<typeof lambdaContext>,
  ) => Promise<SweepResult>;
  const decay = async (at?: string, commit?: boolean): Promise<SweepResult> => {
    const total: SweepResult = {
      at: at ?? new Date().toISOString(),
      complete: false,
      indexEntries: 0,
      visited: 0,
      written: 0,
    };
    let resume: SweepResult['resume'];
    do {
      const result = await sweep(
        { ...(at && { at }), ...(commit && { commit }), ...(resume && { resume }) },
        lambdaContext(scheduled),
      );
      if (result.preview) {
        total.preview ??= { wouldWrite: 0, wouldCross: 0 };
        total.preview.wouldWrite += result.preview.wouldWrite;
        total.preview.wouldCross += result.preview.wouldCross;
      }
      total.indexEntries += result.indexEntries;
      total.visited += result.visited;
      total.written += result.written;
      total.at = result.at;
      total.complete = result.complete;
      resume = result.resume;
    } while (!total.complete);
    return total;
  };
  let decayTimer: NodeJS.Timeout | undefined;
  const scheduleDecay = () => {
    const wait = options.decayEveryMs ?? msUntilNextUtc(2);
    decayTimer = setTimeout(() => {
      decay().then(
        (r) => log(`decay: visited ${r.visited} due score(s), wrote ${r.written}`),
        (error) => log(`decay failed: ${(error as Error).message}`),
      );
      scheduleDecay();
    }, wait);
    decayTimer.unref();
  };
  scheduleDecay();
  writeFileSync(
    join(dataDir, 'runtime.json'),
    JSON.stringify(
      {
        url,
        dynamodbEndpoint: dynamodb.endpoint,
        tables,
        signingSecret,
        models: process.env.LEADSCORE_MODELS!,
        pid: process.pid,
      } satisfies z.infer<typeof RuntimeState>,
      null,
      2,
    ),
  );

  return {
    url,
    apiKey,
    apiKeyCreated,
    signingSecret,
    dynamodbEndpoint: dynamodb.endpoint,
    tables,
    topic,
    failures,
    decay,
    stop: async () => {
      clearTimeout(decayTimer);
      await Promise.all(pollers.map((p) => p.stop()));
      await new Promise<void>((done) => closeServer(server, done));
      await dynamodb.stop();
    },
  };
}

function msUntilNextUtc(hour: number): number {
  const now = new Date();
  const next = Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate(), hour);
  return (next > now.getTime() ? next : next + 86_400_000) - now.getTime();
}

function closeServer(server: Server, done: () => void): void {
  server.close(() => done());
  server.closeAllConnections();
}

/** A value kept in a file so the next start finds it; made fresh (and not kept) when there is no file to keep it in. */
function persisted(file: string | undefined, make: () => string): string {
  if (file && existsSync(file)) return readFileSync(file, 'utf8').trim();
  const value = make();
  if (file) writeFileSync(file, `${value}\n`, { mode: 0o600 });
  return value;
}
