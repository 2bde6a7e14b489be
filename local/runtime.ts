import { randomBytes } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import type { Context, EventBridgeEvent } from 'aws-lambda';
import * as z from 'zod';
import { buildDashboard } from '../dashboard/build.ts';
import type { SweepResult } from '../functions/decay-sweep.ts';
import { HttpProblem, json, problemResponse } from '../shared/http/problem.ts';
import { matchPath, ROUTES } from '../shared/http/routes.ts';
import { BUS_DETAIL_TYPES } from '../shared/ingest/bus.ts';
import { ASYNC_INVOKED, FUNCTIONS, functionNameVariable, functionTriggeredBy } from '../shared/manifest.ts';
import { writeModelArtifacts } from '../shared/models.ts';
import { functionName, LOCAL_STAGE, tableNames } from '../shared/names.ts';
import { scheduledDecay } from '../shared/scoring/schedule.ts';
import { apiKeyFrom, hashApiKey, newApiKey } from '../shared/security/apikeys.ts';
import { documentClient } from '../shared/store/dynamo.ts';
import { LeadDirectory } from '../shared/store/leads.ts';
import { namedTables, type TableNames } from '../shared/store/tables.ts';
import { STREAM_CONSUMERS } from '../shared/streams.ts';
import { counters } from '../shared/telemetry.ts';
import { LOCAL_AWS } from './aws.ts';
import { DemoForm, identifyDemoVisitor } from './demo-identify.ts';
import { DEMO_PAGE } from './demo-page.ts';
import { ensureTables, startDynamoDbLocal } from './dynamodb.ts';
import { BodyTooLarge, type HttpHandler, lambdaContext, toApiGatewayEvent, writeResult } from './gateway.ts';
import { type AsyncFailureRecord, type LambdaHandler, LocalLambda } from './lambda.ts';
import { type StreamFailure, type StreamHandler, StreamPoller } from './streams.ts';
import { LOCAL_TOPIC_ARN, LocalTopic, type Subscription } from './topic.ts';

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
  /**
   * The deadline of an asynchronous invocation (the sweep, a job), default 120 s; the stack gives 900 s. Shorter
   * makes long work hand itself on sooner, never later; the tests shorten it to see that it does.
   */
  asyncTimeoutMs?: number | undefined;
  /**
   * Wraps each function's handler as the runtime loads it, once per function: the cost benchmark counts
   * invocations, durations and log bytes with it. Default: the handler as it is.
   */
  observe?: Observe | undefined;
  log?: (line: string) => void;
}

// biome-ignore lint/suspicious/noExplicitAny: any handler shape: HTTP, stream or asynchronous invocation.
export type Observe = <H extends (event: any, context: Context) => Promise<unknown>>(
  handler: string,
  fn: H,
) => H;

export interface Runtime {
  url: string;
  apiKey: string;
  apiKeyCreated: boolean;
  signingSecret: string;
  dynamodbEndpoint: string;
  tables: TableNames;
  topic: LocalTopic;
  failures: StreamFailure[];
  /** Records of asynchronous invocations that failed every attempt (the on-failure destinations' queues). */
  asyncFailures: AsyncFailureRecord[];
  /**
   * Runs the decay sweep now, as of `at` (default now), as `leadscore decay --stage` does: one invocation, which
   * hands what it has no time for to a fresh asynchronous invocation of itself; a preview writes nothing.
   */
  decay(at?: string, preview?: boolean): Promise<SweepResult>;
  stop(): Promise<void>;
}

/** What `leadscore` commands read to act on the running local runtime of this checkout. */
export const RuntimeState = z.object({
  url: z.string(),
  dynamodbEndpoint: z.string(),
  tables: z.object({ activities: z.string(), leads: z.string(), search: z.string() }),
  signingSecret: z.string(),
  /** The API key, for the CLI's calls to /local routes (the file is readable by its owner only). */
  apiKey: z.string(),
  /** The model files in force (LEADSCORE_MODELS). */
  models: z.string(),
  pid: z.number(),
});

export const DEFAULT_DATA_DIR = '.data';
/** The local bus takes PutEvents-shaped entries, as EventBridge's API does. */
const PutEventsRequest = z.object({
  Entries: z
    .array(z.object({ Source: z.string(), DetailType: z.string(), Detail: z.string() }))
    .min(1)
    .max(10),
});
/** Where the local runtime serves SNS's Publish API for its handlers. */
const LOCAL_SNS_PATH = '/local/sns';

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
  // What an in-memory runtime puts in the system's temporary directory, removed when it stops.
  const scratch: string[] = [];
  const temporary = (prefix: string) => {
    const dir = mkdtempSync(join(tmpdir(), prefix));
    scratch.push(dir);
    return dir;
  };
  const dynamodb = await startDynamoDbLocal({
    dataDir: options.inMemory ? undefined : join(dataDir, 'dynamodb'),
  });
  const tables = tableNames(LOCAL_STAGE);
  await ensureTables(dynamodb.endpoint, namedTables(tables));

  // The dashboard is static files, built once here (the stack builds them into its function's bundle).
  const dashboardDir = options.inMemory ? temporary('leadscore-dashboard-') : join(dataDir, 'dashboard');
  await buildDashboard(dashboardDir);

  // A key id of this run's own: the local SNS endpoint takes only what its handlers sign with it.
  const accessKeyId = `LOCAL${randomBytes(8).toString('hex').toUpperCase()}`;
  // The handlers read their configuration when first imported, exactly as a Lambda cold start does.
  Object.assign(process.env, {
    // The account and region the runtime plays, for the SDK clients handlers make (Lambda Invoke, found through
    // AWS_ENDPOINT_URL_LAMBDA): the same default chain as in AWS, where the runtime supplies these.
    AWS_REGION: LOCAL_AWS.region,
    AWS_ACCESS_KEY_ID: accessKeyId,
    AWS_SECRET_ACCESS_KEY: 'local',
    TOPIC_ARN: LOCAL_TOPIC_ARN,
    DASHBOARD_DIR: dashboardDir,
    ACTIVITIES_TABLE: tables.activities,
    LEADS_TABLE: tables.leads,
    SEARCH_TABLE: tables.search,
    SIGNING_SECRET: signingSecret,
    DYNAMODB_ENDPOINT: dynamodb.endpoint,
    POWERTOOLS_LOG_LEVEL: process.env.POWERTOOLS_LOG_LEVEL ?? 'WARN',
    // No metric lines and readable logs on a developer's terminal; the cost benchmark asks for Lambda's own.
    POWERTOOLS_METRICS_DISABLED: process.env.POWERTOOLS_METRICS_DISABLED ?? 'true',
    POWERTOOLS_DEV: process.env.POWERTOOLS_DEV ?? 'true',
    // Validated here and written as the artifacts the handlers read, as `cdk synth` bundles them.
    LEADSCORE_MODELS: writeModelArtifacts(
      options.models ?? process.env.LEADSCORE_MODELS ?? 'models/default.yaml',
      join(options.inMemory ? temporary('leadscore-models-') : dataDir, 'models'),
    ),
    // As the stack sets them: the names of the functions each invokes (the sweep itself, the job worker).
    ...Object.fromEntries(
      FUNCTIONS.flatMap((f) => f.uses.invokes ?? []).map((h) => [
        functionNameVariable(h),
        functionName(LOCAL_STAGE, h),
      ]),
    ),
  });
  const observe: Observe = options.observe ?? ((_, fn) => fn);
  const handlers = new Map<string, HttpHandler>();
  for (const route of ROUTES) {
    if (handlers.has(route.handler)) continue;
    const module = (await import(`../functions/${route.handler}.ts`)) as { handler: HttpHandler };
    handlers.set(route.handler, observe(route.handler, module.handler));
  }
  const log = options.log ?? (() => undefined);
  // What Lambda invokes asynchronously: the bus rule's target, the schedule's and its own continuations, jobs.
  const lambda = new LocalLambda({
    log,
    // Shorter than the stack's 900 s: locally, long work hands itself on sooner, never later.
    timeoutMs: (name) =>
      ASYNC_INVOKED.some((a) => a.handler === name) ? (options.asyncTimeoutMs ?? ASYNC_TIMEOUT_MS) : 29_000,
  });
  for (const config of ASYNC_INVOKED) {
    const module = (await import(`../functions/${config.handler}.ts`)) as { handler: LambdaHandler };
    lambda.register(config.handler, observe(config.handler, module.handler), config);
  }
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
    if (method === 'POST' && path.replace(/\/$/, '') === LOCAL_SNS_PATH) {
      const event = await toApiGatewayEvent(request, `POST ${LOCAL_SNS_PATH}`, undefined);
      const body = event.isBase64Encoded
        ? Buffer.from(event.body ?? '', 'base64').toString()
        : (event.body ?? '');
      const answer = topic.servePublish(body, event.headers.authorization, accessKeyId);
      response.writeHead(answer.status, { 'content-type': 'text/xml' });
      response.end(answer.body);
      return;
    }
    if (method === 'POST' && path === '/demo/identify') return demoIdentify(request, response);
    if (path.startsWith('/2015-03-31/') && (await lambda.serve(request, response, path))) return;
    if (path.startsWith('/local/')) return control(request, response, method, path);
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

  /** The demo site's form (local/demo-identify.ts): from the demo site's own pages only. */
  async function demoIdentify(request: IncomingMessage, response: ServerResponse): Promise<void> {
    if (request.headers['sec-fetch-site'] === 'cross-site')
      return writeResult(
        response,
        problemResponse(new HttpProblem(403, 'Forbidden', 'from the demo site only')),
      );
    const text = (await toApiGatewayEvent(request, 'POST /demo/identify', undefined)).body ?? '';
    let form: DemoForm | undefined;
    try {
      form = DemoForm.parse(JSON.parse(text));
    } catch {
      return writeResult(
        response,
        problemResponse(
          new HttpProblem(
            400,
            'Bad Request',
            'send visitor, name, e-mail, and company and title if you like',
          ),
        ),
      );
    }
    const { port } = server.address() as { port: number };
    const self = `http://${options.host ?? '127.0.0.1'}:${port}`;
    const result = await identifyDemoVisitor(form, (path, method, body) =>
      fetch(`${self}${path}`, {
        method,
        headers: { authorization: `Bearer ${apiKey}`, 'content-type': 'application/json' },
        body: JSON.stringify(body),
      }),
    );
    writeResult(response, {
      statusCode: 200,
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(result),
    });
  }

  /**
   * The local runtime's own routes (/local/...): counters, the bus, the topic's subscriptions and dead letters,
   * failure records, a decay run. Each needs the API key, as /v1 does; malformed input is a 400.
   */
  async function control(
    request: IncomingMessage,
    response: ServerResponse,
    method: string,
    path: string,
  ): Promise<void> {
    if (!(await authorised(request))) return writeResult(response, unauthorised());
    const route = `${method} ${path}`;
    const body = async <T>(schema: z.ZodType<T>, hint: string): Promise<T | undefined> => {
      const text = (await toApiGatewayEvent(request, route, undefined)).body;
      let value: unknown;
      try {
        value = text ? JSON.parse(text) : {};
      } catch {
        writeResult(
          response,
          problemResponse(new HttpProblem(400, 'Bad Request', `the body is not JSON; send ${hint}`)),
        );
        return undefined;
      }
      const parsed = schema.safeParse(value);
      if (parsed.success) return parsed.data;
      writeResult(response, problemResponse(new HttpProblem(400, 'Bad Request', `send ${hint}`)));
      return undefined;
    };
    switch (route) {
      case 'GET /local/metrics':
        return writeResult(response, json(200, counters()));
      case 'GET /local/notifications':
        return writeResult(response, json(200, topic.feed.slice(-100).reverse()));
      case 'GET /local/failures':
        return writeResult(response, json(200, failures));
      case 'GET /local/async-failures':
        return writeResult(response, json(200, lambda.failures));
      case 'GET /local/subscriptions':
        return writeResult(response, json(200, topic.subscriptions()));
      case 'GET /local/subscriptions/dead-letters':
        return writeResult(response, json(200, topic.deadLetters()));
      case 'POST /local/subscriptions': {
        const subscription = await body(
          SubscriptionSchema,
          '{"endpoint": "http://...", "filterPolicy"?: {...}}',
        );
        if (!subscription) return;
        const { arn, created } = topic.subscribe(subscription as Subscription);
        return writeResult(response, json(created ? 201 : 200, { ...subscription, arn }));
      }
      case 'DELETE /local/subscriptions': {
        const target = await body(
          z.strictObject({ arn: z.string().min(1) }),
          '{"arn": "<subscription ARN>"}',
        );
        if (!target) return;
        if (!topic.unsubscribe(target.arn))
          return writeResult(
            response,
            problemResponse(new HttpProblem(404, 'Not Found', 'no subscription has that ARN')),
          );
        return writeResult(response, { statusCode: 204 });
      }
      case 'POST /local/decay': {
        const run = await body(
          z.strictObject({
            at: z.iso.datetime({ offset: true }).optional(),
            preview: z.boolean().optional(),
          }),
          '{"at"?: "<ISO time>", "preview"?: true}',
        );
        if (!run) return;
        return writeResult(response, json(200, await decay(run.at, run.preview)));
      }
      case 'POST /local/events': {
        const put = await body(
          PutEventsRequest,
          '{"Entries": [{"Source", "DetailType", "Detail": "<JSON text>"}]}, 1 to 10 entries',
        );
        if (!put) return;
        return putEvents(put.Entries, response);
      }
    }
    writeResult(response, problemResponse(new HttpProblem(404, 'Not Found', `no route for ${route}`)));
  }

  async function authorised(request: IncomingMessage): Promise<boolean> {
    const key = apiKeyFrom(
      Object.fromEntries(Object.entries(request.headers).map(([k, v]) => [k, Array.isArray(v) ? v[0] : v])),
    );
    return key !== undefined && (await directory.apiKey(hashApiKey(key))) !== undefined;
  }
  const unauthorised = () => problemResponse(new HttpProblem(401, 'Unauthorized', 'send the local API key'));

  /**
   * The EventBridge bus, locally: PutEvents-shaped entries, each answered with its EventId at once. As the rule
   * does, an event of a Leadscore detail-type is handed to ingest-bus by asynchronous invocation; Lambda's
   * retries and the on-failure record follow from there.
   */
  async function putEvents(
    entries: z.infer<typeof PutEventsRequest>['Entries'],
    response: ServerResponse,
  ): Promise<void> {
    const results: ({ EventId: string } | { ErrorCode: string; ErrorMessage: string })[] = [];
    for (const entry of entries) {
      let detail: unknown;
      try {
        detail = JSON.parse(entry.Detail);
      } catch {
        results.push({ ErrorCode: 'MalformedDetail', ErrorMessage: 'Detail is not valid JSON' });
        continue;
      }
      const id = crypto.randomUUID();
      if ((BUS_DETAIL_TYPES as readonly string[]).includes(entry.DetailType))
        lambda.invokeAsync(
          functionTriggeredBy('bus').handler,
          JSON.stringify(ruleTargetEvent(id, entry, detail)),
        );
      results.push({ EventId: id });
    }
    writeResult(
      response,
      json(200, { FailedEntryCount: results.filter((r) => 'ErrorCode' in r).length, Entries: results }),
    );
  }

  const topic = new LocalTopic({
    subscriptions: options.subscriptions ?? [],
    stateFile: options.inMemory ? undefined : join(dataDir, 'topic.json'),
    log,
  });
  const failures: StreamFailure[] = [];

  const host = options.host ?? '127.0.0.1';
  await new Promise<void>((done, fail) => {
    server.once('error', fail);
    server.listen(options.port ?? 3000, host, () => done());
  });
  const { port } = server.address() as { port: number };
  const url = `http://${host}:${port}`;

  // The stream handlers publish to the local topic's SNS endpoint, and handlers invoke functions through the
  // local Lambda (the SDK finds both through AWS_ENDPOINT_URL_*), whose addresses are known only now.
  process.env.AWS_ENDPOINT_URL_SNS = `${url}${LOCAL_SNS_PATH}`;
  process.env.AWS_ENDPOINT_URL_LAMBDA = url;
  const pollers: StreamPoller[] = [];
  for (const consumer of STREAM_CONSUMERS) {
    const module = (await import(`../functions/${consumer.handler}.ts`)) as { handler: StreamHandler };
    const poller = new StreamPoller({
      endpoint: dynamodb.endpoint,
      tableName: tables[consumer.table],
      consumer,
      handler: observe(consumer.handler, module.handler),
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
  const decay = async (at?: string, preview?: boolean): Promise<SweepResult> => {
    const out = await lambda.invoke(
      functionTriggeredBy('schedule').handler,
      JSON.stringify({ ...(at && { at }), ...(preview && { preview }) }),
    );
    if (out.functionError) throw new Error(`the decay sweep failed: ${out.payload}`);
    return JSON.parse(out.payload) as SweepResult;
  };
  let decayTimer: NodeJS.Timeout | undefined;
  // The schedule invokes the sweep asynchronously, as EventBridge Scheduler does (its failures are kept).
  const scheduleDecay = () => {
    const wait = options.decayEveryMs ?? msUntilNextUtc(2);
    decayTimer = setTimeout(() => {
      // The payload EventBridge Scheduler sends: the time this run was scheduled for.
      const scheduledTime = new Date(Math.floor(Date.now() / 1000) * 1000)
        .toISOString()
        .replace('.000Z', 'Z');
      lambda.invokeAsync(
        functionTriggeredBy('schedule').handler,
        JSON.stringify(scheduledDecay(scheduledTime)),
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
        apiKey,
        models: process.env.LEADSCORE_MODELS!,
        pid: process.pid,
      } satisfies z.infer<typeof RuntimeState>,
      null,
      2,
    ),
    { mode: 0o600 },
  );
  chmodSync(join(dataDir, 'runtime.json'), 0o600);

  return {
    url,
    apiKey,
    apiKeyCreated,
    signingSecret,
    dynamodbEndpoint: dynamodb.endpoint,
    tables,
    topic,
    failures,
    asyncFailures: lambda.failures,
    decay,
    stop: async () => {
      clearTimeout(decayTimer);
      topic.stop();
      lambda.stop();
      await Promise.all(pollers.map((p) => p.stop()));
      await new Promise<void>((done) => closeServer(server, done));
      await dynamodb.stop();
      for (const dir of scratch) rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** The deadline of a local asynchronous invocation (the stack gives 900 s): long work hands itself on sooner. */
const ASYNC_TIMEOUT_MS = 120_000;

/** What an EventBridge rule hands its Lambda target for a PutEvents entry (test/fixtures/aws has the shape). */
export function ruleTargetEvent(
  id: string,
  entry: { Source: string; DetailType: string },
  detail: unknown,
  at = new Date(),
): EventBridgeEvent<string, unknown> {
  return {
    version: '0',
    id,
    'detail-type': entry.DetailType,
    source: entry.Source,
    account: LOCAL_AWS.accountId,
    // EventBridge's time has whole seconds: 2026-11-30T05:33:15Z.
    time: at.toISOString().replace(/\.\d{3}Z$/, 'Z'),
    region: LOCAL_AWS.region,
    resources: [],
    detail,
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
