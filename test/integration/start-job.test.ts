import { describe, expect, it } from 'vitest';
import { startJob } from '../../shared/jobs/start.ts';
import { type JobItem, JobStore } from '../../shared/store/jobs.ts';
import { db, runtime } from '../helpers/runtime.ts';

// The SDK finds the local runtime's Lambda through its own variable, as the handlers do.
process.env.AWS_ENDPOINT_URL_LAMBDA = runtime.url;

/** The real store, noting which jobs it created. */
class NotingJobStore extends JobStore {
  readonly created: string[] = [];
  override async create(...args: Parameters<JobStore['create']>): Promise<JobItem> {
    const job = await super.create(...args);
    this.created.push(job.jobId);
    return job;
  }
}

describe('starting a job', () => {
  it('marks the job failed when its worker cannot be invoked, so nobody waits on it', async () => {
    // Act: a worker that does not exist.
    const jobs = new NotingJobStore(db, runtime.tables);
    const error = await startJob(jobs, 'no-such-worker', 'dry-run', { model: '{}' }, Date.now()).catch(
      (e: Error) => e,
    );

    // Assess: the invocation's error goes on, and the job it created says it failed.
    expect((error as Error).name).toBe('ResourceNotFoundException');
    expect(jobs.created).toHaveLength(1);
    expect(await jobs.get(jobs.created[0]!)).toMatchObject({
      status: 'failed',
      error: 'the job could not be started',
    });
  });
});
