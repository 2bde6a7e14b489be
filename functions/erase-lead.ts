import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import { required } from '../shared/config.ts';
import { leadIdParameter } from '../shared/http/parameters.ts';
import { startJob } from '../shared/jobs/start.ts';
import { jobAccepted } from '../shared/jobs/view.ts';
import { httpHandler } from '../shared/lambda.ts';
import { compiledModels } from '../shared/model/artifact.ts';
import { JobStore } from '../shared/store/jobs.ts';
import { wire } from '../shared/wiring.ts';

const { config, directory, client, tables } = wire('erase-lead');
const jobs = new JobStore(client, tables);
const worker = required(config, 'RUN_JOB_FUNCTION');
const models = compiledModels(config.LEADSCORE_MODELS).map((m) => m.id);

/**
 * DELETE /v1/leads/{id}: erases everything about a lead. The tombstone is written first, so events that arrive
 * from now on are dropped; the lead's own items and aliases go at once. Its activities, which grow with its
 * history, are deleted by a job (the ledger swept twice, to catch one that was being written as the erasure
 * began): 202 with the job, which reports how many activities it erased.
 */
async function eraseLead(event: APIGatewayProxyEventV2): Promise<APIGatewayProxyStructuredResultV2> {
  const leadId = leadIdParameter(event);
  const now = Date.now();
  const { items, aliases } = await directory.erase(leadId, models, now);
  const job = await startJob(jobs, worker, 'erase', { leadId, aliases }, now);
  return jobAccepted(job, { leadId, erased: { records: items, aliases: aliases.length } });
}

export const handler = httpHandler('erase-lead', eraseLead, directory);
