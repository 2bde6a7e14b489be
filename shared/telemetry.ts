import { Logger } from '@aws-lambda-powertools/logger';
import { Metrics, MetricUnit } from '@aws-lambda-powertools/metrics';

export const logger = new Logger({ serviceName: 'leadscore' });
export const metrics = new Metrics({ namespace: 'Leadscore', serviceName: 'leadscore' });

/** Counts in this process, beside the CloudWatch metric: the local runtime serves them at /local/metrics. */
const counts = new Map<string, number>();

export function count(name: string, value = 1): void {
  counts.set(name, (counts.get(name) ?? 0) + value);
  metrics.addMetric(name, MetricUnit.Count, value);
}

export function counters(): Record<string, number> {
  return Object.fromEntries(counts);
}
