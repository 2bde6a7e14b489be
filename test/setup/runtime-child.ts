import type { RuntimeInfo } from './runtime.ts';

// CloudWatch metrics mean nothing here: off before any handler module creates its metrics.
process.env.POWERTOOLS_METRICS_DISABLED ??= 'true';
const { startRuntime } = await import('../../local/runtime.ts');
const dataDir = process.argv[2]!;
const runtime = await startRuntime({
  port: 0,
  dataDir,
  inMemory: true,
  // As the e2e project's runtime: long work hands itself on after 15 to 25 s.
  asyncTimeoutMs: 45_000,
  log: (line) => line.startsWith('notify ') || console.error(line),
});
const { url, apiKey, signingSecret, dynamodbEndpoint, tables } = runtime;
process.stdout.write(
  `${JSON.stringify({ url, apiKey, signingSecret, dynamodbEndpoint, tables, dataDir } satisfies RuntimeInfo)}\n`,
);
process.once('SIGTERM', () => {
  runtime.stop().then(
    () => process.exit(0),
    () => process.exit(1),
  );
});
