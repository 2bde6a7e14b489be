import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import * as z from 'zod';
import { instant, OutcomeFields, outcomeIdOf } from '../shared/domain/outcome.ts';
import { readJsonBody } from '../shared/http/body.ts';
import { leadIdParameter } from '../shared/http/parameters.ts';
import { json } from '../shared/http/problem.ts';
import { httpHandler } from '../shared/lambda.ts';
import { wire } from '../shared/wiring.ts';

const { directory } = wire('post-outcome');

const Body = z.strictObject(OutcomeFields);

/**
 * POST /v1/leads/{id}/outcomes: what became of the lead (converted, won, lost), for backtests and training. Once
 * per outcomeId (derived from the content when not given): 201 the first time, 200 for a repeat, 409 when the id
 * already stands for another result, 410 when the lead was erased. A merged-away id records on its survivor.
 */
async function postOutcome(event: APIGatewayProxyEventV2): Promise<APIGatewayProxyStructuredResultV2> {
  const requested = leadIdParameter(event);
  const body = readJsonBody(event, Body, 8 * 1024);
  const outcomeId = body.outcomeId ?? outcomeIdOf({ leadId: requested, ...body });
  const occurredAt = instant(body.occurredAt ?? new Date().toISOString());
  const record = { outcomeId, outcome: body.outcome, occurredAt, value: body.value };
  const { leadId, result: status } = await directory.onLead(requested, (id) =>
    directory.addOutcome(id, record),
  );
  return json(status === 'recorded' ? 201 : 200, {
    leadId,
    ...(leadId !== requested && { mergedFrom: requested }),
    ...record,
    duplicate: status === 'duplicate',
  });
}

export const handler = httpHandler('post-outcome', postOutcome, directory);
