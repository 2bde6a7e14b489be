import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import * as z from 'zod';
import { leadIdParameter } from '../shared/http/parameters.ts';
import { json, problems } from '../shared/http/problem.ts';
import { httpHandler } from '../shared/lambda.ts';
import { ScoreStore } from '../shared/store/scores.ts';
import { wire } from '../shared/wiring.ts';

const { directory, client, tables } = wire('get-lead-history');
const scores = new ScoreStore(client, tables);

const Query = z.object({
  model: z
    .string()
    .regex(/^[a-z][a-z0-9-]{0,62}$/)
    .optional(),
  limit: z.coerce.number().int().min(1).max(500).default(100),
});

/**
 * GET /v1/leads/{id}/history: every change of the lead's score, newest first, with its cause. A merged-away id
 * answers with its survivor's history and says so; an erased one is 410, as GET /v1/leads/{id} is.
 */
async function getHistory(event: APIGatewayProxyEventV2): Promise<APIGatewayProxyStructuredResultV2> {
  const requested = leadIdParameter(event);
  const query = Query.safeParse(event.queryStringParameters ?? {});
  if (!query.success) throw problems.badRequest('model must be a model id and limit a number from 1 to 500');
  const leadId = await directory.resolveLead(requested);
  const items = await scores.history(leadId, query.data.model, query.data.limit);
  return json(200, {
    leadId,
    ...(leadId !== requested && { mergedInto: leadId }),
    changes: items.map(
      ({ model, rev, at, activityAt, score, band, grade, flags, oldScore, oldBand, cause }) => ({
        model,
        rev,
        at,
        ...(activityAt !== undefined && { activityAt }),
        score,
        band,
        grade,
        flags,
        oldScore,
        oldBand,
        cause,
      }),
    ),
  });
}

export const handler = httpHandler('get-lead-history', getHistory, directory);
