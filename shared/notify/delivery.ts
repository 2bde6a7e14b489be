/**
 * How notifications are delivered to HTTP/S subscribers: SNS's documented default delivery policy, written out so
 * the stack configures it on every HTTP/S subscription and the local topic follows the same numbers. After the
 * last retry a message goes to the subscription's dead-letter queue (the stack) or list (the local runtime).
 */
export const HTTP_DELIVERY_POLICY = {
  /** Retries after the first attempt. */
  numRetries: 3,
  numNoDelayRetries: 0,
  numMinDelayRetries: 0,
  numMaxDelayRetries: 0,
  minDelayTargetSeconds: 20,
  maxDelayTargetSeconds: 20,
  backoffFunction: 'linear',
} as const;

/** The wait before retry number `retry` (1-based): linear from the minimum to the maximum delay target. */
export function retryDelaySeconds(retry: number): number {
  const p = HTTP_DELIVERY_POLICY;
  const steps = Math.max(1, p.numRetries - 1);
  return (
    p.minDelayTargetSeconds + ((p.maxDelayTargetSeconds - p.minDelayTargetSeconds) * (retry - 1)) / steps
  );
}
