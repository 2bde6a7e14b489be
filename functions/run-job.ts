import type { Context } from 'aws-lambda';
import * as z from 'zod';
import { invokeAsync } from '../shared/invoke.ts';
import type { DryRunState } from '../shared/jobs/dry-run.ts';
import { continueErase, EraseRequest, type EraseState, eraseProgress } from '../shared/jobs/erase.ts';
import { lambdaHandler } from '../shared/lambda.ts';
import { lazily } from '../shared/lazy.ts';
import { type JobItem, JobStore } from '../shared/store/jobs.ts';
import { ScoreStore } from '../shared/store/scores.ts';
import { count, logger } from '../shared/telemetry.ts';
import { wire } from '../shared/wiring.ts';

const { config, client, tables, ledger } = wire('run-job');
const jobs = new JobStore(client, tables);
const scores = new ScoreStore(client, tables);
/** Stop taking work this long before Lambda's limit: the page in hand is finished and progress saved. */
const SAFETY_MS = 30_000;
/** Save progress at most this often (and whenever an invocation stops). */
const SAVE_EVERY_MS = 1000;

const Request = z.object({ jobId: z.uuid() });

// Loaded with the first dry run, not at cold start: with it come the model language's schemas (some 5 ms of
// start-up), which an erase job has no use for, and a dry run scans the whole ledger anyway.
const dryRuns = lazily(() => import('../shared/jobs/dry-run.ts'));

/** Another invocation saved the job first (a duplicate delivery): this one stops and leaves it the job. */
class JobTaken extends Error {
  override name = 'JobTaken';
}

/**
 * A job, as far as this invocation's time allows: the work resumes from the job's saved state, progress is saved
 * as it goes, and before Lambda's limit the rest is handed to a fresh invocation of this function. A failure is
 * recorded on the job and thrown, so Lambda retries (from the saved state) and then keeps the failure record.
 */
async function runJob(event: unknown, context: Context): Promise<void> {
  const { jobId } = Request.parse(event);
  const found = await jobs.get(jobId);
  if (!found || found.status === 'succeeded') return;
  let job = await jobs.save({ ...found, status: 'running', error: undefined }, Date.now());
  if (!job) return;

  // Saves one at a time, in order: parallel scan segments all report progress.
  let saving = Promise.resolve();
  let lastSave = Date.now();
  const save = (patch: Partial<JobItem>, now = false): Promise<void> => {
    if (!now && Date.now() - lastSave < SAVE_EVERY_MS) return saving;
    lastSave = Date.now();
    saving = saving.then(async () => {
      const saved = await jobs.save({ ...job!, ...patch }, Date.now());
      if (!saved) throw new JobTaken(`job ${jobId} was saved by another invocation`);
      job = saved;
    });
    return saving;
  };
  const more = () => context.getRemainingTimeInMillis() > SAFETY_MS;

  let complete: boolean;
  try {
    complete = await work(job, more, save);
  } catch (error) {
    if (error instanceof JobTaken) return logger.warn('job left to another invocation', { jobId });
    saving = saving.catch(() => undefined);
    await save({ status: 'failed', error: (error as Error).message }, true);
    throw error;
  }
  await saving;
  if (complete) {
    count(`jobs.${job.kind}.succeeded`);
    return;
  }
  await invokeAsync(config.RUN_JOB_FUNCTION!, { jobId });
  count('jobs.continued');
  logger.info('job continues in a new invocation', { jobId, progress: job.progress });
}

type Save = (patch: Partial<JobItem>, now?: boolean) => Promise<void>;

async function work(job: JobItem, more: () => boolean, save: Save): Promise<boolean> {
  switch (job.kind) {
    case 'dry-run': {
      const { proposedModel, startDryRun, continueDryRun, dryRunProgress } = await dryRuns();
      const model = proposedModel(job.request);
      const state = (job.state as DryRunState | undefined) ?? startDryRun(model);
      const complete = await continueDryRun(state, {
        client,
        tables,
        ledger,
        scores,
        model,
        now: Date.parse(job.createdAt),
        more,
        // A copy as of now: the segments go on changing the state while the save is under way.
        saved: () => save({ state: structuredClone(state), progress: dryRunProgress(state) }),
      });
      await save(
        complete
          ? { status: 'succeeded', state: undefined, progress: dryRunProgress(state), result: state.report }
          : { state, progress: dryRunProgress(state) },
        true,
      );
      return complete;
    }
    case 'erase': {
      const request = EraseRequest.parse(job.request);
      const state = (job.state as EraseState | undefined) ?? { step: 0, activities: 0 };
      const saved = () => save({ state: { ...state }, progress: eraseProgress(request, state) });
      const complete = await continueErase(request, state, ledger, more, saved);
      await save(
        complete
          ? {
              // Nothing of the erased lead is kept: not its id, nor its aliases'.
              status: 'succeeded',
              request: null,
              state: undefined,
              progress: eraseProgress(request, state),
              result: { erased: { activities: state.activities } },
            }
          : { state, progress: eraseProgress(request, state) },
        true,
      );
      return complete;
    }
  }
}

export const handler = lambdaHandler(runJob);
