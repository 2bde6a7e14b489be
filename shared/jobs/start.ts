import { randomUUID } from 'node:crypto';
import { invokeAsync } from '../invoke.ts';
import type { JobItem, JobKind, JobStore } from '../store/jobs.ts';

/**
 * Creates a job and hands it to the worker (an asynchronous invocation). If the worker cannot be invoked, the job
 * is marked failed before the error goes on, so nobody waits on a job that will never run.
 */
export async function startJob(
  jobs: JobStore,
  worker: string,
  kind: JobKind,
  request: unknown,
  nowMs: number,
): Promise<JobItem> {
  const job = await jobs.create(randomUUID(), kind, request, nowMs);
  try {
    await invokeAsync(worker, { jobId: job.jobId });
  } catch (error) {
    await jobs.save({ ...job, status: 'failed', error: 'the job could not be started' }, Date.now());
    throw error;
  }
  return job;
}
