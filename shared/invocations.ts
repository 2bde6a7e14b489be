/**
 * The functions Lambda invokes asynchronously (the bus rule, the decay schedule and the sweep's own continuation,
 * the job worker), and how it treats a failed invocation: retried `retryAttempts` times (Lambda allows 0 to 2),
 * dropped past `maxEventAgeSeconds`, then its record goes to the function's on-failure queue. The CDK stack builds
 * each EventInvokeConfig from this, and the local runtime's Lambda service retries as many times.
 */
export interface AsyncInvocation {
  handler: string;
  retryAttempts: 0 | 1 | 2;
  maxEventAgeSeconds: number;
}

export const ASYNC_INVOKED: readonly AsyncInvocation[] = [
  // A bus event that fails to store (throttling, an outage) gets two more tries; then its record is kept.
  { handler: 'ingest-bus', retryAttempts: 2, maxEventAgeSeconds: 6 * 3600 },
  // Conditional writes make a repeated sweep harmless; past two hours the next night's sweep is nearer.
  { handler: 'decay-sweep', retryAttempts: 2, maxEventAgeSeconds: 2 * 3600 },
  // A job resumes from its last saved progress, so a retry repeats at most one chunk.
  { handler: 'run-job', retryAttempts: 2, maxEventAgeSeconds: 3600 },
];
