import { Logger } from '@aws-lambda-powertools/logger';
import { Metrics, MetricUnit } from '@aws-lambda-powertools/metrics';

// The service name is each function's own (POWERTOOLS_SERVICE_NAME, set by the stack from the manifest); the
// CLI and the local runtime, where every handler shares one process, log as `leadscore`.
const serviceName = process.env.POWERTOOLS_SERVICE_NAME ?? 'leadscore';
export const logger = new Logger({ serviceName });
export const metrics = new Metrics({
  namespace: 'Leadscore',
  serviceName,
  // An invocation that counted nothing is ordinary here (a duplicate pixel hit, a filtered stream record):
  // Powertools' "no application metrics" warning goes to debug instead of costing a log line every time.
  logger: {
    debug: (message: string) => logger.debug(message),
    info: (message: string) => logger.info(message),
    warn: (message: string) =>
      message.startsWith('No application metrics') ? logger.debug(message) : logger.warn(message),
    error: (message: string) => logger.error(message),
  },
});

/** Counts in this process, beside the CloudWatch metric: the local runtime serves them at /local/metrics. */
const counts = new Map<string, number>();

export function count(name: string, value = 1): void {
  tally(name, value);
  metrics.addMetric(name, MetricUnit.Count, value);
}

/** Counts in this process only, never a CloudWatch metric: the benchmarks' own accounting (capacity units). */
export function tally(name: string, value = 1): void {
  counts.set(name, (counts.get(name) ?? 0) + value);
}

export function counters(): Record<string, number> {
  return Object.fromEntries(counts);
}
