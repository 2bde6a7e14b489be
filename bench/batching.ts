import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { record } from './report.ts';

const WINDOWS = [0, 1];
const QUIET_LEADS = process.env.BENCH_QUIET_LEADS ?? '40';

interface QuietFigures {
  events: number;
  dollarsPerMillion: { httpApi: number; functionUrl: number };
  writeUnitsPerEvent: number;
  functions: Record<string, { invocationsPerEvent: number; recordsPerBatch?: number }>;
  notificationLatencyMs: { p50: number; p99: number; crossings: number };
}

/**
 * The stream batching window on a quiet stream, chosen from measurements: the cost benchmark's quiet mix (one
 * pixel hit every 300 ms, so batches hold one or two events) run twice, side by side in this one run, with every
 * stream consumer's batching window at 0 s and at 1 s (Lambda takes whole seconds). Each prints its dollars per
 * million events and its pixel-to-notification latency; the issue's latency goal is p50 500 ms, p99 2 s.
 */
export async function run(): Promise<void> {
  const rows: { window: number; quiet: QuietFigures }[] = [];
  for (const window of WINDOWS) {
    console.log(`batching: the quiet mix with a batching window of ${window} s ...`);
    const { stdout } = await promisify(execFile)(process.execPath, ['bench/run.ts', 'cost'], {
      env: {
        ...process.env,
        BENCH_LEADS: '20',
        BENCH_QUIET_LEADS: QUIET_LEADS,
        BENCH_BATCHING_WINDOW: String(window),
      },
      maxBuffer: 64 * 1024 * 1024,
    });
    const last = stdout.trim().split('\n').at(-1)!;
    rows.push({ window, quiet: (JSON.parse(last) as { mixes: { quiet: QuietFigures } }).mixes.quiet });
  }
  console.log(
    `${'window'.padEnd(8)} ${'$/M URL'.padStart(8)} ${'$/M API'.padStart(8)} ${'WRU/ev'.padStart(7)} ${'score inv/ev'.padStart(13)} ${'records/batch'.padStart(14)} ${'p50 ms'.padStart(7)} ${'p99 ms'.padStart(7)}`,
  );
  for (const { window, quiet } of rows) {
    const scoring = quiet.functions['score-activities'];
    console.log(
      `${`${window} s`.padEnd(8)} ${quiet.dollarsPerMillion.functionUrl.toFixed(2).padStart(8)} ${quiet.dollarsPerMillion.httpApi.toFixed(2).padStart(8)} ${quiet.writeUnitsPerEvent.toFixed(2).padStart(7)} ${String(scoring?.invocationsPerEvent ?? 0).padStart(13)} ${String(scoring?.recordsPerBatch ?? 0).padStart(14)} ${String(quiet.notificationLatencyMs.p50).padStart(7)} ${String(quiet.notificationLatencyMs.p99).padStart(7)}`,
    );
  }
  record('batching', Object.fromEntries(rows.map(({ window, quiet }) => [`window${window}s`, quiet])));
}
