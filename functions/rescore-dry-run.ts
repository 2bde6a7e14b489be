import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import * as z from 'zod';
import { required } from '../shared/config.ts';
import { readJsonBody } from '../shared/http/body.ts';
import { problems } from '../shared/http/problem.ts';
import { startJob } from '../shared/jobs/start.ts';
import { jobAccepted } from '../shared/jobs/view.ts';
import { httpHandler } from '../shared/lambda.ts';
import { validateModel } from '../shared/model/parse.ts';
import { JobStore } from '../shared/store/jobs.ts';
import { wire } from '../shared/wiring.ts';

const { config, directory, client, tables } = wire('rescore-dry-run');
const jobs = new JobStore(client, tables);
const worker = required(config, 'RUN_JOB_FUNCTION');
/** The model travels in the job's item, which DynamoDB caps at 400 KB. */
const MAX_BODY = 300 * 1024;

const Body = z.strictObject({ model: z.unknown() });

/**
 * POST /v1/models/dry-run {"model": <model document>}: validates a proposed model at once (every problem named),
 * then starts a job that replays every lead's ledger through it and reports how many would change band, in each
 * direction. Nothing is written but the job. 202 with the job; GET /v1/jobs/{id} follows it.
 */
async function startDryRun(event: APIGatewayProxyEventV2): Promise<APIGatewayProxyStructuredResultV2> {
  const body = readJsonBody(event, Body, MAX_BODY);
  const validated = validateModel(body.model);
  if (!validated.ok) {
    throw problems.badRequest(
      `the model is not valid: ${validated.problems.map((p) => `${p.path || '(document)'}: ${p.message}`).join('; ')}`,
      validated.problems.map((p) => ({ path: `model.${p.path}`, message: p.message })),
    );
  }
  const job = await startJob(jobs, worker, 'dry-run', { model: JSON.stringify(body.model) }, Date.now());
  return jobAccepted(job);
}

export const handler = httpHandler('rescore-dry-run', startDryRun, directory);
