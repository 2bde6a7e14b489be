import { randomUUID } from 'node:crypto';
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import * as z from 'zod';
import { EventId, Timestamp } from '../shared/domain/activity.ts';
import { readJsonBody } from '../shared/http/body.ts';
import { leadIdParameter } from '../shared/http/parameters.ts';
import { json } from '../shared/http/problem.ts';
import { httpHandler } from '../shared/lambda.ts';
import { wire } from '../shared/wiring.ts';

const { directory } = wire('post-outcome');

const Body = z.strictObject({
  outcome: z.enum(['converted', 'won', 'lost']),
  occurredAt: Timestamp.optional(),
  /** Makes retries safe: the same outcomeId is recorded once. */
  outcomeId: EventId.optional(),
  value: z.number().finite().nonnegative().optional(),
});

/** POST /v1/leads/{id}/outcomes: what became of the lead (converted, won, lost), for backtests and training. */
async function postOutcome(event: APIGatewayProxyEventV2): Promise<APIGatewayProxyStructuredResultV2> {
  const leadId = leadIdParameter(event);
  const body = readJsonBody(event, Body, 8 * 1024);
  const occurredAt = body.occurredAt ?? new Date().toISOString();
  const outcomeId = body.outcomeId ?? randomUUID();
  const created = await directory.addOutcome(leadId, body.outcome, occurredAt, outcomeId, body.value);
  return json(created ? 201 : 200, {
    leadId,
    outcome: body.outcome,
    occurredAt,
    outcomeId,
    duplicate: !created,
  });
}

export const handler = httpHandler('post-outcome', postOutcome, directory);
