import { spawn } from 'node:child_process';
import { rmSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { App, Stack } from 'aws-cdk-lib';
import { RetentionDays } from 'aws-cdk-lib/aws-logs';
import { stackConfig } from '../infra/config.ts';
import { LeadscoreFunction } from '../infra/functions.ts';
import { LeadscoreStack } from '../infra/stack.ts';
import { FUNCTIONS } from '../shared/manifest.ts';
import { fmt, record } from './report.ts';

const RUNS = Number(process.env.BENCH_RUNS ?? 7);
const BUNDLE_GOAL_KB = 250;
const INIT_GOAL_RATIO = 1.5;
// Inside the checkout, so a bundle's external @aws-sdk/* resolves from node_modules as it does from the runtime.
const OUT = resolve('bench/.coldstart');

/**
 * Every function as `cdk synth` bundles it (the same construct, the same esbuild settings), beside a handler that
 * does nothing bundled the same way. For each: the minified bundle's size, and its start-up in fresh Node
 * processes: the module's own init (import to handler ready, timed inside the process) and the whole cold start
 * (spawn to handler ready), medians of RUNS, as ratios to the minimal handler's, measured interleaved.
 */
export async function run(): Promise<void> {
  rmSync(OUT, { recursive: true, force: true });
  const app = new App({ outdir: OUT, context: { 'aws:cdk:enable-asset-metadata': true } });
  new LeadscoreStack(app, 'Leadscore-bench', {
    config: stackConfig((k) => (k === 'stage' ? 'bench' : undefined)),
  });
  const yardstick = new Stack(app, 'Yardstick');
  new LeadscoreFunction(yardstick, 'Minimal', {
    spec: {
      handler: 'minimal',
      trigger: { kind: 'invoke', async: { retryAttempts: 0, maxEventAgeSeconds: 60 } },
      uses: {},
      memoryMb: 128,
      timeoutSeconds: 3,
    },
    entry: 'bench/minimal-handler.ts',
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
  const base = samples.get('minimal')!;
  const baseInit = median(base.init);
  const baseTotal = median(base.total);
  const rows = subjects.map((s) => {
    const kb = statSync(join(s.dir, 'index.mjs')).size / 1024;
    const init = median(samples.get(s.name)!.init);
    const total = median(samples.get(s.name)!.total);
    return {
      handler: s.name,
      bundleKB: Math.round(kb * 10) / 10,
      initMs: Math.round(init * 10) / 10,
      coldStartMs: Math.round(total * 10) / 10,
      initRatio: Math.round((init / baseInit) * 100) / 100,
      coldStartRatio: Math.round((total / baseTotal) * 100) / 100,
    };
  });
  console.log(
    `${'handler'.padEnd(18)} ${'bundle KB'.padStart(9)} ${'init ms'.padStart(8)} ${'x min'.padStart(6)} ${'cold ms'.padStart(8)} ${'x min'.padStart(6)}`,
  );
  for (const r of rows)
    console.log(
      `${r.handler.padEnd(18)} ${r.bundleKB.toFixed(1).padStart(9)} ${r.initMs.toFixed(1).padStart(8)} ${r.initRatio.toFixed(2).padStart(6)} ${r.coldStartMs.toFixed(1).padStart(8)} ${r.coldStartRatio.toFixed(2).padStart(6)}`,
    );
  const functions = rows.filter((r) => r.handler !== 'minimal');
  const largest = Math.max(...functions.map((r) => r.bundleKB));
  const worstInit = Math.max(...functions.map((r) => r.initRatio));
  const worstCold = Math.max(...functions.map((r) => r.coldStartRatio));
  console.log(
    `largest bundle ${fmt(largest)} KB (goal < ${BUNDLE_GOAL_KB}: ${largest < BUNDLE_GOAL_KB ? 'met' : 'NOT met'}); ` +
      `worst module init ${worstInit}x the minimal handler's, worst whole cold start ${worstCold}x ` +
      `(goal <= ${INIT_GOAL_RATIO}x: ${worstCold <= INIT_GOAL_RATIO ? 'met on the whole cold start' : 'NOT met'}, ${worstInit <= INIT_GOAL_RATIO ? 'met' : 'NOT met'} on module init alone)`,
  );
  record('coldstart', {
    runs: RUNS,
    minimal: rows[0],
    functions,
    largestBundleKB: largest,
    worstInitRatio: worstInit,
    worstColdStartRatio: worstCold,
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
          AWS_ACCESS_KEY_ID: 'bench',
          AWS_SECRET_ACCESS_KEY: 'bench',
          ACTIVITIES_TABLE: 'activities',
          LEADS_TABLE: 'leads',
          // The value itself, so the pixel's start-up does not call Secrets Manager (there is no network here).
          SIGNING_SECRET: 'b'.repeat(64),
          TOPIC_ARN: 'arn:aws:sns:us-east-1:123456789012:leadscore-bench-notifications',
          // What the stack gives the functions that start jobs (FunctionSpec.invokes).
          RUN_JOB_FUNCTION: 'leadscore-bench-run-job',
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
