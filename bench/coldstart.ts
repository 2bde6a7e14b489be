import { spawn } from 'node:child_process';
import { rmSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { App, Stack } from 'aws-cdk-lib';
import { RetentionDays } from 'aws-cdk-lib/aws-logs';
import { stackConfig } from '../infra/config.ts';
import { LeadscoreFunction } from '../infra/functions.ts';
import { LeadscoreStack } from '../infra/stack.ts';
import { FUNCTIONS, functionNameVariable } from '../shared/manifest.ts';
import { fmt, record } from './report.ts';

const RUNS = Number(process.env.BENCH_RUNS ?? 7);
const BUNDLE_GOAL_KB = 250;
const INIT_GOAL_RATIO = 1.5;
// Inside the checkout, so a bundle's external @aws-sdk/* resolves from node_modules as it does from the runtime.
const OUT = resolve('bench/.coldstart');

/**
 * Every function as `cdk synth` bundles it (the same construct, the same esbuild settings), beside two references
 * bundled the same way: a handler that does nothing, and one that only creates the DynamoDB document client (the
 * practical floor: the SDK comes from the runtime, and loading it is most of any function's start-up). For each:
 * the minified bundle's size, and its start-up in fresh Node processes: the module's own init (import to handler
 * ready, timed inside the process) and the whole cold start (spawn to handler ready), medians of RUNS, measured
 * interleaved, as ratios to the references.
 */
export async function run(): Promise<void> {
  rmSync(OUT, { recursive: true, force: true });
  const app = new App({ outdir: OUT, context: { 'aws:cdk:enable-asset-metadata': true } });
  new LeadscoreStack(app, 'Leadscore-bench', {
    config: stackConfig((k) => (k === 'stage' ? 'bench' : undefined)),
  });
  const yardstick = new Stack(app, 'Yardstick');
  for (const [handler, entry] of [
    ['minimal', 'bench/minimal-handler.ts'],
    ['dynamodb-client', 'bench/client-handler.ts'],
  ] as const)
    new LeadscoreFunction(yardstick, handler, {
      spec: {
        handler,
        trigger: { kind: 'invoke', async: { retryAttempts: 0, maxEventAgeSeconds: 60 } },
        uses: {},
        memoryMb: 128,
        timeoutSeconds: 3,
      },
      entry,
      stage: 'bench',
      models: [],
      resources: {},
      logRetention: RetentionDays.ONE_DAY,
    });
  console.log('coldstart: bundling every function with cdk synth ...');
  const assembly = app.synth();
  const assetOf = (stackName: string, functionName: (name: string) => boolean) => {
    const template = assembly.getStackByName(stackName).template as {
      Resources: Record<
        string,
        { Type: string; Properties: { FunctionName?: string }; Metadata?: Record<string, string> }
      >;
    };
    const fn = Object.values(template.Resources).find(
      (r) => r.Type === 'AWS::Lambda::Function' && functionName(r.Properties.FunctionName ?? ''),
    );
    return join(OUT, fn!.Metadata!['aws:asset:path']!);
  };
  const subjects = [
    { name: 'minimal', dir: assetOf('Yardstick', (n) => n.endsWith('-minimal')) },
    { name: 'dynamodb-client', dir: assetOf('Yardstick', (n) => n.endsWith('-dynamodb-client')) },
    ...FUNCTIONS.map((f) => ({
      name: f.handler,
      dir: assetOf('Leadscore-bench', (n) => n === `leadscore-bench-${f.handler}`),
    })),
  ];

  const samples = new Map(subjects.map((s) => [s.name, { init: [] as number[], total: [] as number[] }]));
  for (let i = 0; i < RUNS; i++) {
    for (const s of subjects) {
      const t = await coldStart(s.dir);
      samples.get(s.name)!.init.push(t.init);
      samples.get(s.name)!.total.push(t.total);
    }
  }
  const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
  const medians = new Map(
    subjects.map((s) => [
      s.name,
      { init: median(samples.get(s.name)!.init), total: median(samples.get(s.name)!.total) },
    ]),
  );
  const nothing = medians.get('minimal')!;
  const floor = medians.get('dynamodb-client')!;
  const ratio = (a: number, b: number) => Math.round((a / b) * 100) / 100;
  const rows = subjects.map((s) => {
    const { init, total } = medians.get(s.name)!;
    return {
      handler: s.name,
      bundleKB: Math.round((statSync(join(s.dir, 'index.mjs')).size / 1024) * 10) / 10,
      initMs: Math.round(init * 10) / 10,
      coldStartMs: Math.round(total * 10) / 10,
      initRatio: ratio(init, nothing.init),
      initToClient: ratio(init, floor.init),
      coldStartToClient: ratio(total, floor.total),
    };
  });
  console.log(
    `${'handler'.padEnd(18)} ${'bundle KB'.padStart(9)} ${'init ms'.padStart(8)} ${'x none'.padStart(7)} ${'x client'.padStart(9)} ${'cold ms'.padStart(8)} ${'x client'.padStart(9)}`,
  );
  for (const r of rows)
    console.log(
      `${r.handler.padEnd(18)} ${r.bundleKB.toFixed(1).padStart(9)} ${r.initMs.toFixed(1).padStart(8)} ${r.initRatio.toFixed(2).padStart(7)} ${r.initToClient.toFixed(2).padStart(9)} ${r.coldStartMs.toFixed(1).padStart(8)} ${r.coldStartToClient.toFixed(2).padStart(9)}`,
    );
  const functions = rows.slice(2);
  const largest = Math.max(...functions.map((r) => r.bundleKB));
  const worst = functions.reduce((w, r) => (r.initToClient > w.initToClient ? r : w));
  const worstCold = Math.max(...functions.map((r) => r.coldStartToClient));
  console.log(
    `largest bundle ${fmt(largest)} KB (goal < ${BUNDLE_GOAL_KB}: ${largest < BUNDLE_GOAL_KB ? 'met' : 'NOT met'}); ` +
      `module init: the DynamoDB client alone ${floor.init.toFixed(0)} ms, doing nothing ${nothing.init.toFixed(1)} ms; ` +
      `worst function ${worst.handler} at ${worst.initToClient}x the client's (goal <= ${INIT_GOAL_RATIO}x: ` +
      `${worst.initToClient <= INIT_GOAL_RATIO ? 'met' : 'NOT met'}); worst whole cold start ${worstCold}x the client's`,
  );
  record('coldstart', {
    runs: RUNS,
    references: { minimal: rows[0], dynamodbClient: rows[1] },
    functions,
    largestBundleKB: largest,
    worstInitToClient: worst.initToClient,
    worstColdStartToClient: worstCold,
  });
  rmSync(OUT, { recursive: true, force: true });
}

/** One fresh Node process importing the bundle from its own directory, as Lambda's runtime does. */
function coldStart(dir: string): Promise<{ init: number; total: number }> {
  const script =
    'const t0 = performance.now(); const m = await import(process.argv[1]); ' +
    "if (typeof m.handler !== 'function') throw new Error('no handler'); " +
    'process.stdout.write(String(performance.now() - t0));';
  const started = process.hrtime.bigint();
  return new Promise((done, fail) => {
    const child = spawn(
      process.execPath,
      ['--enable-source-maps', '--input-type=module', '-e', script, join(dir, 'index.mjs')],
      {
        cwd: dir,
        env: {
          PATH: process.env.PATH,
          AWS_REGION: 'us-east-1',
          // Lambda sets it; the functions run as they do there (zod without compiled parsers, shared/config.ts).
          AWS_LAMBDA_FUNCTION_NAME: 'leadscore-bench',
          AWS_ACCESS_KEY_ID: 'bench',
          AWS_SECRET_ACCESS_KEY: 'bench',
          ACTIVITIES_TABLE: 'activities',
          LEADS_TABLE: 'leads',
          SEARCH_TABLE: 'search',
          // The value itself, so the pixel's start-up does not call Secrets Manager (there is no network here).
          SIGNING_SECRET: 'b'.repeat(64),
          TOPIC_ARN: 'arn:aws:sns:us-east-1:123456789012:leadscore-bench-notifications',
          // What the stack gives the functions that invoke others (FunctionSpec.invokes).
          ...Object.fromEntries(
            FUNCTIONS.flatMap((f) => f.uses.invokes ?? []).map((h) => [
              functionNameVariable(h),
              `leadscore-bench-${h}`,
            ]),
          ),
          LEADSCORE_MODELS: 'models/default.json',
          POWERTOOLS_METRICS_NAMESPACE: 'Leadscore',
          POWERTOOLS_SERVICE_NAME: 'bench',
          POWERTOOLS_LOG_LEVEL: 'ERROR',
        },
      },
    );
    let out = '';
    let err = '';
    child.stdout.on('data', (c: Buffer) => {
      out += c.toString();
    });
    child.stderr.on('data', (c: Buffer) => {
      err += c.toString();
    });
    child.on('exit', (code) => {
      const total = Number(process.hrtime.bigint() - started) / 1e6;
      if (code !== 0) fail(new Error(`${dir}: exited ${code}: ${err.slice(0, 500)}`));
      else done({ init: Number(out), total });
    });
  });
}
