import type { APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import { json } from '../http/problem.ts';
import { JOB_PATH } from '../http/routes.ts';
import type { JobItem } from '../store/jobs.ts';

/** A job as the API shows it: never its request or its resume state. */
export function jobView(job: JobItem) {
  return {
    jobId: job.jobId,
    kind: job.kind,
    status: job.status,
    progress: job.progress,
    createdAt: job.createdAt,
    updatedAt: job.updatedAt,
    ...(job.result !== undefined && { result: job.result }),
    ...(job.error !== undefined && { error: job.error }),
  };
}

/** 202 Accepted for a job just started: where to follow it, in the Location header and the body. */
export function jobAccepted(
  job: JobItem,
  extra: Record<string, unknown> = {},
): APIGatewayProxyStructuredResultV2 {
  const location = JOB_PATH.replace('{id}', job.jobId);
  const response = json(202, { ...jobView(job), location, ...extra });
  return { ...response, headers: { ...response.headers, location } };
}
