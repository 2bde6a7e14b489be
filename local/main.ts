import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import * as z from 'zod';
import { parseDuration } from '../shared/domain/duration.ts';

// CloudWatch metrics (EMF lines) mean nothing on one machine: off before any handler module creates its metrics.
process.env.POWERTOOLS_METRICS_DISABLED ??= 'true';
const { startRuntime, SubscriptionSchema } = await import('./runtime.ts');

const HELP = `npm start [-- options]: run Leadscore on this machine (DynamoDB Local, the HTTP API, the demo site)

  --port <n>        HTTP port on 127.0.0.1 (default 3000)
  --data-dir <dir>  where data is kept between runs (default .data)
  --in-memory       keep nothing: data, API key and signing secret are new every run
  --subscribe <url> deliver notifications to this HTTP endpoint (repeatable)
  --subscriptions <file>  JSON list of {"endpoint", "filterPolicy"?} subscriptions (SNS filter policies)
  --decay-every <duration>  run the decay sweep this often (e.g. 30s) instead of nightly at 02:00 UTC
  --models <files>  comma-separated model files (default: LEADSCORE_MODELS, else models/default.yaml)

Environment: LEADSCORE_API_KEY sets the API key (else one is created, kept in the data dir, and printed);
LEADSCORE_SIGNING_SECRET sets the pixel-token secret (else one is created and kept).`;

const { values } = parseArgs({
  options: {
    port: { type: 'string' },
    'data-dir': { type: 'string' },
    'in-memory': { type: 'boolean' },
    subscribe: { type: 'string', multiple: true },
    subscriptions: { type: 'string' },
    'decay-every': { type: 'string' },
    models: { type: 'string' },
    help: { type: 'boolean', short: 'h' },
  },
});
if (values.help) {
  console.log(HELP);
  process.exit(0);
}
const port = values.port === undefined ? 3000 : Number(values.port);
if (!Number.isInteger(port) || port < 0 || port > 65535) {
  console.error(`--port "${values.port}" is not a port number`);
  process.exit(2);
}

const subscriptions = [
  ...(values.subscriptions
    ? z.array(SubscriptionSchema).parse(JSON.parse(readFileSync(values.subscriptions, 'utf8')))
    : []),
  ...(values.subscribe ?? []).map((endpoint) => SubscriptionSchema.parse({ endpoint })),
];
const decayEveryMs = values['decay-every'] === undefined ? undefined : parseDuration(values['decay-every']);
if (values['decay-every'] !== undefined && decayEveryMs === undefined) {
  console.error(`--decay-every "${values['decay-every']}" is not a duration such as 30s, 5m or 1h`);
  process.exit(2);
}

const started = Date.now();
const runtime = await startRuntime({
  port,
  dataDir: values['data-dir'],
  inMemory: values['in-memory'],
  subscriptions,
  decayEveryMs,
  models: values.models,
  log: console.error,
});
// Listening before the banner says it is running: whoever reads it may stop the runtime at once.
let stopping = false;
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.on(signal, () => {
    if (stopping) return;
    stopping = true;
    console.log('\nstopping...');
    runtime.stop().then(
      () => process.exit(0),
      (error) => {
        console.error(error);
        process.exit(1);
      },
    );
  });
}

console.log(`Leadscore is running (started in ${((Date.now() - started) / 1000).toFixed(1)} s)

  API          ${runtime.url}/v1/...
  Demo site    ${runtime.url}/
  Dashboard    ${runtime.url}/dashboard   (sign in with the key printed below; npx leadscore seed fills it)
  Pixel        ${runtime.url}/p.gif?a=<visitor id>&u=<page url>
  Bus          POST ${runtime.url}/local/events   (EventBridge PutEvents entries)
  Counters     ${runtime.url}/local/metrics
  Notifications ${runtime.url}/local/notifications   (${subscriptions.length} subscriber(s); add one: POST /local/subscriptions)
  Decay        ${decayEveryMs === undefined ? 'nightly at 02:00 UTC' : `every ${values['decay-every']}`}; now: npx leadscore decay
  Lambda       ${runtime.url}/2015-03-31/functions/{name}/invocations   (failed async invocations: GET /local/async-failures)
  DynamoDB     ${runtime.dynamodbEndpoint}   tables ${Object.values(runtime.tables).join(', ')}
  Data         ${values['in-memory'] ? 'in memory (nothing is kept)' : (values['data-dir'] ?? '.data')}

  API key      ${runtime.apiKey}${runtime.apiKeyCreated ? (values['in-memory'] ? '   (new; gone when this stops)' : '   (new: kept in the data dir for the next start)') : ''}
               curl -H "Authorization: Bearer ${runtime.apiKey}" ...

Ctrl-C stops it.`);
