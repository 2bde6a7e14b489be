import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import { leadIdParameter } from '../shared/http/parameters.ts';
import { json } from '../shared/http/problem.ts';
import { httpHandler } from '../shared/lambda.ts';
import { loadModels } from '../shared/models.ts';
import { wire } from '../shared/wiring.ts';

const { config, ledger, directory } = wire('erase-lead');
const models = loadModels(config.LEADSCORE_MODELS).map((m) => m.id);

/**
 * DELETE /v1/leads/{id}: erases everything about a lead. The tombstone is written first, so events that arrive
 * from now on are dropped; the ledger is swept twice to catch one that was being written as the erasure began.
 */
async function eraseLead(event: APIGatewayProxyEventV2): Promise<APIGatewayProxyStructuredResultV2> {
  const leadId = leadIdParameter(event);
  const { items, aliases } = await directory.erase(leadId, models, Date.now());
  let activities = await ledger.erase({ kind: 'lead', id: leadId });
  for (const alias of aliases) activities += await ledger.erase(alias);
  activities += await ledger.erase({ kind: 'lead', id: leadId });
  return json(200, { leadId, erased: { activities, records: items, aliases: aliases.length } });
}

export const handler = httpHandler('erase-lead', eraseLead, directory);
