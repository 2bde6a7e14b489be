import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import * as z from 'zod';
import { json, problems } from '../shared/http/problem.ts';
import { jobView } from '../shared/jobs/view.ts';
import { httpHandler } from '../shared/lambda.ts';
import { JobStore } from '../shared/store/jobs.ts';
import { wire } from '../shared/wiring.ts';

const { directory, client, tables } = wire('get-job');
const jobs = new JobStore(client, tables);

const JobId = z.uuid();

/** GET /v1/jobs/{id}: a job's status and progress ({done, total}), then its result or why it failed. */
async function getJob(event: APIGatewayProxyEventV2): Promise<APIGatewayProxyStructuredResultV2> {
  const parsed = JobId.safeParse(event.pathParameters?.id);
  if (!parsed.success)
    throw problems.badRequest('the job id is not one this API gave out', [
      { path: 'id', message: 'must be a job id (a UUID)' },
    ]);
  const job = await jobs.get(parsed.data);
  if (!job) throw problems.notFound(`no job ${parsed.data} (jobs are kept a week after their last change)`);
  return json(200, jobView(job));
}

export const handler = httpHandler('get-job', getJob, directory);
