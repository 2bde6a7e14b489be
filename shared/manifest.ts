import type { Route } from './http/routes.ts';

/** Where a job reports its progress and result: the Location of every 202 that starts one. */
export const JOB_PATH = '/v1/jobs/{id}';

import { PROFILE_SORT_KEY } from './store/keys.ts';
import type { StreamConsumer } from './streams.ts';

/**
 * Every function of functions/, once: what triggers it, what it may touch and how, its size, its time limit.
 * The CDK stack builds each function, its grants, environment and triggers from this; the local runtime serves
 * the same routes, polls the same streams and gives each handler its own deadline; each handler validates the
 * configuration its entry promises (shared/config.ts); and the HTTP wrapper checks an API key where the route
 * says so. docs/deploy.md lists each function's permissions as the synthesised template grants them.
 */

/**
 * The DynamoDB actions a function's code calls on a table, each by its IAM name. A conditional write needs only
 * its write; a transaction needs each of its items' actions (a ConditionCheck is ConditionCheckItem); batch reads
 * and writes are their own actions. Every path of the code counts, not only the common one. Every /v1 route reads
 * its caller's API key (GetItem on leads); resolving lead ids (aliases and erasure tombstones) is a BatchGetItem.
 */
export type TableAction =
  | 'GetItem'
  | 'BatchGetItem'
  | 'Query'
  | 'Scan'
  | 'PutItem'
  | 'UpdateItem'
  | 'BatchWriteItem'
  | 'ConditionCheckItem';
export type IndexName = 'decay' | 'rank' | 'account';

export interface TableUse {
  actions: readonly TableAction[];
  /** Indexes it queries (Query on each, nothing else); none: the table only. */
  indexes?: readonly IndexName[];
}

/** What a function touches beyond its own logs. Each use brings its grant and its environment variable. */
export interface Uses {
  /** The activity ledger: ACTIVITIES_TABLE. */
  activities?: TableUse;
  /** Leads, scores, history, keys: LEADS_TABLE. */
  leads?: TableUse;
  /** The list's search terms: SEARCH_TABLE. */
  search?: TableUse;
  /** Reads the pixel-token signing secret: SIGNING_SECRET_ARN. */
  signingSecret?: true;
  /** Publishes threshold crossings: TOPIC_ARN. */
  notifications?: true;
  /**
   * Functions it invokes asynchronously, itself included (to hand on the rest of its work): lambda:InvokeFunction
   * on each, whose name reaches it as <HANDLER>_FUNCTION (run-job: RUN_JOB_FUNCTION).
   */
  invokes?: readonly string[];
}

/**
 * How Lambda treats a failed asynchronous invocation of a function: retried `retryAttempts` times (Lambda allows
 * 0 to 2), dropped past `maxEventAgeSeconds`, then its record goes to the function's on-failure queue. The stack
 * builds each EventInvokeConfig from this; the local runtime's Lambda retries as many times.
 */
export interface AsyncInvocation {
  retryAttempts: 0 | 1 | 2;
  maxEventAgeSeconds: number;
}

export type Trigger =
  /** API Gateway (HTTP API) routes, each with or without an API key. */
  | { kind: 'http'; routes: readonly Omit<Route, 'handler'>[] }
  /** A table's stream, through an event source mapping. */
  | { kind: 'stream'; consumer: Omit<StreamConsumer, 'handler'> }
  /** The EventBridge bus rule (asynchronous invocation). */
  | { kind: 'bus'; async: AsyncInvocation }
  /** The EventBridge Scheduler schedule (asynchronous invocation; it hands itself the rest the same way). */
  | { kind: 'schedule'; async: AsyncInvocation }
  /** Invoked asynchronously by other functions (jobs). */
  | { kind: 'invoke'; async: AsyncInvocation };

export interface FunctionSpec {
  handler: string;
  trigger: Trigger;
  uses: Uses;
  memoryMb: number;
  timeoutSeconds: number;
  /** Serves the dashboard: the built page travels in its bundle (DASHBOARD_DIR). */
  dashboard?: true;
  /**
   * WARN: Lambda writes none of its own start and report lines for it (INFO otherwise). For what runs once per
   * event or per stream batch (the tracking functions, the stream consumers), where those two lines would cost more
   * in log ingestion than the invocation's compute; durations, errors and throttles stay in Lambda's CloudWatch
   * metrics, and the function's own warnings and errors are logged as ever.
   */
  systemLogLevel?: 'WARN';
  /**
   * Takes tracking hits from the public (the pixel, tracked links): served where the stack's `pixelEndpoint` says,
   * the HTTP API or its own function URL, in the same payload 2.0 shape.
   */
  tracking?: true;
}

/** API Gateway ends an integration after 30 s, whatever the function's own limit: a route's function stays inside. */
export const HTTP_INTEGRATION_LIMIT_SECONDS = 30;

/** What every stream consumer shares: retried, then dead-lettered within hours, bisected, never blocking a shard. */
const RELIABLE = {
  // No batching window: on a quiet stream 1 s would save 28 % of what an event costs and make notifications
  // 1.5 s late at p50, 2.3 s at p99, past the 500 ms and 2 s goals (npm run bench -- batching).
  maxBatchingWindowSeconds: 0,
  retryAttempts: 10,
  maxRecordAgeSeconds: 6 * 3600,
  bisectBatchOnError: true,
  reportBatchItemFailures: true,
} as const;

const http = (...routes: Omit<Route, 'handler'>[]): Trigger => ({ kind: 'http', routes });
const get = (path: string, auth = true) => ({ method: 'GET', path, auth }) as const;

export const FUNCTIONS: readonly FunctionSpec[] = [
  // The hot path: the pixel records one activity; small and quick.
  {
    handler: 'pixel',
    trigger: http(get('/p.gif', false)),
    // Reads only a visitor's identity (alias and tombstone); a lead's, named by its signed token, scoring reads.
    uses: {
      activities: { actions: ['PutItem'] },
      leads: { actions: ['BatchGetItem'] },
      signingSecret: true,
    },
    memoryMb: 256,
    timeoutSeconds: 5,
    systemLogLevel: 'WARN',
    tracking: true,
  },
  {
    handler: 'redirect',
    trigger: http(get('/r', false)),
    // A click is always a lead's (its signed token names it): recorded without an identity read, which scoring
    // does (shared/ingest/record.ts).
    uses: {
      activities: { actions: ['PutItem'] },
      signingSecret: true,
    },
    memoryMb: 256,
    timeoutSeconds: 5,
    systemLogLevel: 'WARN',
    tracking: true,
  },
  {
    handler: 'post-events',
    trigger: http({ method: 'POST', path: '/v1/events', auth: true }),
    uses: { activities: { actions: ['PutItem'] }, leads: { actions: ['GetItem', 'BatchGetItem'] } },
    memoryMb: 512,
    timeoutSeconds: 15,
  },
  {
    handler: 'identify',
    trigger: http({ method: 'POST', path: '/v1/identify', auth: true }),
    // A visitor's or a merged lead's ledger moves in transactions (a put guarded by the tombstone's check); a
    // merge also moves the loser's aliases, outcomes and profile, and replaces its scores with markers.
    uses: {
      activities: { actions: ['Query', 'PutItem', 'BatchWriteItem'] },
      leads: {
        actions: [
          'GetItem',
          'BatchGetItem',
          'Query',
          'PutItem',
          'UpdateItem',
          'BatchWriteItem',
          'ConditionCheckItem',
        ],
      },
    },
    memoryMb: 512,
    timeoutSeconds: 29,
  },
  {
    handler: 'put-attributes',
    trigger: http({ method: 'PUT', path: '/v1/leads/{id}/attributes', auth: true }),
    uses: { leads: { actions: ['GetItem', 'BatchGetItem', 'UpdateItem', 'ConditionCheckItem'] } },
    memoryMb: 256,
    timeoutSeconds: 10,
  },
  {
    handler: 'post-outcome',
    trigger: http({ method: 'POST', path: '/v1/leads/{id}/outcomes', auth: true }),
    uses: { leads: { actions: ['GetItem', 'BatchGetItem', 'PutItem', 'ConditionCheckItem'] } },
    memoryMb: 256,
    timeoutSeconds: 10,
  },
  {
    handler: 'export-lead',
    trigger: http(get('/v1/leads/{id}/export')),
    uses: { activities: { actions: ['Query'] }, leads: { actions: ['GetItem', 'BatchGetItem', 'Query'] } },
    memoryMb: 512,
    timeoutSeconds: 29,
  },
  // Behind API Gateway, whose integrations end at 30 s: what may take longer is handed to the job worker.
  {
    handler: 'erase-lead',
    trigger: http({ method: 'DELETE', path: '/v1/leads/{id}', auth: true }),
    // Whether an id with nothing in the leads table is known at all: one query of its ledger.
    uses: {
      activities: { actions: ['Query'] },
      leads: { actions: ['GetItem', 'BatchGetItem', 'Query', 'PutItem', 'BatchWriteItem'] },
      // The person's search terms go with the rest of it, without waiting for follow-profiles.
      search: { actions: ['GetItem', 'BatchWriteItem'] },
      invokes: ['run-job'],
    },
    memoryMb: 512,
    timeoutSeconds: 29,
  },
  {
    handler: 'list-leads',
    trigger: http(get('/v1/leads')),
    uses: {
      leads: { actions: ['GetItem', 'BatchGetItem'], indexes: ['rank'] },
      search: { actions: ['Query'] },
    },
    memoryMb: 512,
    timeoutSeconds: 10,
  },
  {
    handler: 'get-lead',
    trigger: http(get('/v1/leads/{id}')),
    uses: { activities: { actions: ['Query'] }, leads: { actions: ['GetItem', 'BatchGetItem', 'Query'] } },
    memoryMb: 512,
    timeoutSeconds: 10,
  },
  {
    handler: 'get-lead-history',
    trigger: http(get('/v1/leads/{id}/history')),
    uses: { leads: { actions: ['GetItem', 'BatchGetItem', 'Query'] } },
    memoryMb: 256,
    timeoutSeconds: 10,
  },
  {
    handler: 'get-account',
    trigger: http(get('/v1/accounts/{domain}')),
    uses: { leads: { actions: ['GetItem', 'Query'], indexes: ['account'] } },
    memoryMb: 512,
    timeoutSeconds: 10,
  },
  {
    handler: 'rescore-dry-run',
    trigger: http({ method: 'POST', path: '/v1/models/dry-run', auth: true }),
    uses: { leads: { actions: ['GetItem', 'PutItem'] }, invokes: ['run-job'] },
    memoryMb: 512,
    timeoutSeconds: 10,
  },
  {
    handler: 'get-job',
    trigger: http(get(JOB_PATH)),
    uses: { leads: { actions: ['GetItem'] } },
    memoryMb: 256,
    timeoutSeconds: 10,
  },
  {
    handler: 'get-model-evaluation',
    trigger: http(get('/v1/models/{id}/evaluation')),
    uses: { leads: { actions: ['GetItem'] } },
    memoryMb: 256,
    timeoutSeconds: 10,
  },
  {
    handler: 'list-models',
    trigger: http(get('/v1/models')),
    uses: { leads: { actions: ['GetItem'] } },
    memoryMb: 256,
    timeoutSeconds: 10,
  },
  {
    handler: 'list-notifications',
    trigger: http(get('/v1/notifications')),
    uses: { leads: { actions: ['GetItem', 'Query'] } },
    memoryMb: 256,
    timeoutSeconds: 10,
  },
  {
    handler: 'get-openapi',
    trigger: http(get('/openapi.json', false)),
    uses: {},
    memoryMb: 256,
    timeoutSeconds: 5,
  },
  {
    handler: 'dashboard',
    trigger: http(get('/dashboard', false), get('/dashboard/{file}', false), get('/favicon.ico', false)),
    uses: {},
    memoryMb: 128,
    timeoutSeconds: 5,
    dashboard: true,
  },
  {
    handler: 'ingest-bus',
    // A bus event that fails to store (throttling, an outage) gets two more tries; then its record is kept.
    trigger: { kind: 'bus', async: { retryAttempts: 2, maxEventAgeSeconds: 6 * 3600 } },
    // Activities as the API records them; profiles and outcomes as their routes write them.
    uses: {
      activities: { actions: ['PutItem'] },
      leads: { actions: ['GetItem', 'BatchGetItem', 'PutItem', 'UpdateItem', 'ConditionCheckItem'] },
    },
    memoryMb: 512,
    timeoutSeconds: 30,
  },
  // Stream consumers: a batch of up to 1000 activities, coalesced per lead.
  {
    handler: 'score-activities',
    trigger: {
      kind: 'stream',
      consumer: {
        table: 'activities',
        // Large: a batch is coalesced per lead, so the busier the stream, the more events each score write
        // carries. A quiet stream still hands over each record at once (no batching window).
        batchSize: 1000,
        ...RELIABLE,
        filters: [{ eventName: ['INSERT'] }],
      },
    },
    // Moves and deletes on the ledger: a visitor's event that landed after its identify (or erasure) is settled, as
    // is a lead's tracking hit that landed after its merge (moved to the survivor) or its erasure; a score of another
    // model version is rebuilt from the ledger.
    uses: {
      activities: { actions: ['Query', 'PutItem', 'BatchWriteItem'] },
      leads: { actions: ['GetItem', 'BatchGetItem', 'Query', 'PutItem', 'ConditionCheckItem'] },
    },
    memoryMb: 1024,
    timeoutSeconds: 120,
    systemLogLevel: 'WARN',
  },
  {
    handler: 'notify-crossings',
    trigger: {
      kind: 'stream',
      consumer: {
        table: 'leads',
        batchSize: 50,
        ...RELIABLE,
        filters: [{ eventName: ['INSERT', 'MODIFY'], newImageEntity: ['score', 'erased', 'merged'] }],
      },
    },
    // History and the live feed: written per change, cleared after an erasure or a merge.
    uses: { leads: { actions: ['Query', 'PutItem', 'BatchWriteItem'] }, notifications: true },
    memoryMb: 512,
    timeoutSeconds: 60,
    systemLogLevel: 'WARN',
  },
  {
    // A profile's every change, its removal too (an erasure, a merge's loser), which has no new image: refits the
    // lead's scores and moves its search terms. One consumer for both: DynamoDB Streams throttles a shard that more
    // than two read at once, and notify-crossings is the other.
    handler: 'follow-profiles',
    trigger: {
      kind: 'stream',
      consumer: {
        table: 'leads',
        batchSize: 50,
        ...RELIABLE,
        filters: [{ sortKey: [PROFILE_SORT_KEY] }],
      },
    },
    uses: {
      leads: { actions: ['GetItem', 'Query', 'PutItem'] },
      search: { actions: ['GetItem', 'BatchWriteItem'] },
    },
    memoryMb: 512,
    timeoutSeconds: 60,
    systemLogLevel: 'WARN',
  },
  // The nightly sweep: resumable, so it stops well inside the limit and hands itself the rest.
  {
    handler: 'decay-sweep',
    // Conditional writes make a repeated sweep harmless; past two hours the next night's sweep is nearer.
    trigger: { kind: 'schedule', async: { retryAttempts: 2, maxEventAgeSeconds: 2 * 3600 } },
    uses: { leads: { actions: ['BatchGetItem', 'PutItem'], indexes: ['decay'] }, invokes: ['decay-sweep'] },
    memoryMb: 1024,
    timeoutSeconds: 900,
  },
  // Jobs (a dry run over every lead, an erasure's activities): chunked, handing the rest to itself in time.
  {
    handler: 'run-job',
    // A job resumes from its last saved progress, so a retry repeats at most one chunk.
    trigger: { kind: 'invoke', async: { retryAttempts: 2, maxEventAgeSeconds: 3600 } },
    uses: {
      // A dry run scans the ledger (and queries a lead that spans two pages); an erasure deletes a ledger.
      activities: { actions: ['Scan', 'Query', 'BatchWriteItem'] },
      leads: { actions: ['GetItem', 'BatchGetItem', 'PutItem'] },
      invokes: ['run-job'],
    },
    memoryMb: 1769,
    timeoutSeconds: 900,
  },
];

/** The functions Lambda invokes asynchronously, with how it treats their failures. */
export const ASYNC_INVOKED: readonly (AsyncInvocation & { handler: string })[] = FUNCTIONS.flatMap((f) =>
  'async' in f.trigger ? [{ handler: f.handler, ...f.trigger.async }] : [],
);

/** The environment variable that tells a function another one's name (run-job: RUN_JOB_FUNCTION). */
export function functionNameVariable(handler: string): string {
  return `${handler.toUpperCase().replaceAll('-', '_')}_FUNCTION`;
}

/** The entry of a function, by its handler's name; a name not in the manifest is a programming error. */
export function functionSpec(handler: string): FunctionSpec {
  const spec = FUNCTIONS.find((f) => f.handler === handler);
  if (!spec) throw new Error(`no function "${handler}" in shared/manifest.ts`);
  return spec;
}

/** The one function a trigger kind reaches (the bus rule's target, the schedule's). */
export function functionTriggeredBy(kind: 'bus' | 'schedule'): FunctionSpec {
  const found = FUNCTIONS.filter((f) => f.trigger.kind === kind);
  if (found.length !== 1)
    throw new Error(`expected one function triggered by ${kind}, found ${found.length}`);
  return found[0]!;
}

/**
 * The environment variables a function's entry gives it, by what it uses: the stack sets exactly these (with
 * POWERTOOLS_* and LEADSCORE_MODELS), and the handler's configuration requires exactly these.
 */
export function environmentOf(spec: FunctionSpec): string[] {
  const { uses } = spec;
  return [
    ...(uses.activities ? ['ACTIVITIES_TABLE'] : []),
    ...(uses.leads ? ['LEADS_TABLE'] : []),
    ...(uses.search ? ['SEARCH_TABLE'] : []),
    ...(uses.activities || uses.leads ? ['ACTIVITY_RETENTION_DAYS'] : []),
    ...(uses.signingSecret ? ['SIGNING_SECRET_ARN'] : []),
    ...(uses.notifications ? ['TOPIC_ARN'] : []),
    ...(uses.invokes ?? []).map(functionNameVariable),
    ...(spec.dashboard ? ['DASHBOARD_DIR'] : []),
  ];
}
