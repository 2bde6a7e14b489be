import { appendFileSync, mkdirSync } from 'node:fs';
import { cpus, totalmem } from 'node:os';

export function machine() {
  const cpu = cpus();
  return {
    cpu: cpu[0]?.model.trim() ?? 'unknown',
    cores: cpu.length,
    memoryGiB: Math.round(totalmem() / 2 ** 30),
    node: process.version,
    arch: process.arch,
  };
}

/** Prints the figures as the last line of output and appends them to bench/results/<suite>.jsonl. */
export function record(suite: string, figures: Record<string, unknown>): void {
  const line = JSON.stringify({ suite, ...figures, machine: machine(), date: new Date().toISOString() });
  mkdirSync('bench/results', { recursive: true });
  appendFileSync(`bench/results/${suite}.jsonl`, `${line}\n`);
  console.log(line);
}

export function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return 0;
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}

export function fmt(n: number): string {
  return Math.round(n).toLocaleString('en-US');
}

/**
 * A what-if for the cost and pipeline benchmarks: BENCH_BATCHING_WINDOW=<seconds> runs every stream consumer with
 * that batching window instead of the manifest's, to measure the trade-off between invocations and latency that
 * chose it. Call before the local runtime starts; returns the window in force.
 */
export async function batchingWindowOverride(): Promise<number | undefined> {
  const value = process.env.BENCH_BATCHING_WINDOW;
  if (value === undefined) return undefined;
  const seconds = Number(value);
  if (!Number.isInteger(seconds) || seconds < 0 || seconds > 300)
    throw new Error(
      `BENCH_BATCHING_WINDOW: whole seconds from 0 to 300, as Lambda takes them (got "${value}")`,
    );
  const { STREAM_CONSUMERS } = await import('../shared/streams.ts');
  for (const consumer of STREAM_CONSUMERS)
    (consumer as { maxBatchingWindowSeconds: number }).maxBatchingWindowSeconds = seconds;
  return seconds;
}
