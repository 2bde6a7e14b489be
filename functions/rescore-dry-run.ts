import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import * as z from 'zod';
import { readJsonBody } from '../shared/http/body.ts';
import { json, problems } from '../shared/http/problem.ts';
import { httpHandler } from '../shared/lambda.ts';
import { compileModel } from '../shared/model/compile.ts';
import { validateModel } from '../shared/model/parse.ts';
import { rescoreLeads } from '../shared/scoring/rescore.ts';
import { ScoreStore } from '../shared/store/scores.ts';
import { wire } from '../shared/wiring.ts';

const { ledger, directory, client, tables } = wire('rescore-dry-run');
const scores = new ScoreStore(client, tables);
/** Past this many leads a dry run belongs in the CLI, which shows progress and has no time limit. */
const MAX_LEADS = 5000;

const Body = z.strictObject({ model: z.unknown() });

/**
 * POST /v1/models/dry-run {"model": <model document>}: validates a proposed model and reports how many leads
 * would change band, in each direction, before anything is written. Nothing is written.
 */
async function dryRun(event: APIGatewayProxyEventV2): Promise<APIGatewayProxyStructuredResultV2> {
  const body = readJsonBody(event, Body, 512 * 1024);
  const validated = validateModel(body.model);
  if (!validated.ok) {
    throw problems.badRequest(
      `the model is not valid: ${validated.problems.map((p) => `${p.path || '(document)'}: ${p.message}`).join('; ')}`,
      validated.problems.map((p) => ({ path: `model.${p.path}`, message: p.message })),
    );
  }
  const leadIds: string[] = [];
  for await (const id of ledger.leadIds()) {
    leadIds.push(id);
    if (leadIds.length > MAX_LEADS)
      throw problems.tooLarge(`more than ${MAX_LEADS} leads: run "leadscore rescore --dry-run" instead`);
  }
  const report = await rescoreLeads({
    model: compileModel(validated.model),
    leadIds,
    ledger,
    scores,
    dryRun: true,
    now: Date.now(),
  });
  return json(200, report);
}

export const handler = httpHandler('rescore-dry-run', dryRun, directory);
