import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import * as z from 'zod';
import { LeadId } from '../shared/domain/ids.ts';
import { readJsonBody } from '../shared/http/body.ts';
import { json } from '../shared/http/problem.ts';
import { identify } from '../shared/ingest/identity.ts';
import { httpHandler } from '../shared/lambda.ts';
import { compiledModels } from '../shared/model/artifact.ts';
import { wire } from '../shared/wiring.ts';

const { config, ledger, directory } = wire('identify');
const models = compiledModels(config.LEADSCORE_MODELS).map((m) => m.id);

const Body = z
  .strictObject({ leadId: LeadId, anonymousId: LeadId.optional(), previousId: LeadId.optional() })
  .refine((b) => (b.anonymousId === undefined) !== (b.previousId === undefined), {
    message:
      'send exactly one of anonymousId (a visitor becomes this lead) or previousId (merge that lead into this one)',
  });

/**
 * POST /v1/identify: a visitor becomes a known lead, or two leads merge (the older profile survives). A race lost
 * to another identify or merge is a 409; an erased id on either side, a 410 (the store's errors, mapped at the edge).
 */
async function identifyLead(event: APIGatewayProxyEventV2): Promise<APIGatewayProxyStructuredResultV2> {
  const body = readJsonBody(event, Body, 16 * 1024);
  return json(200, await identify(directory, ledger, models, body, Date.now()));
}

export const handler = httpHandler('identify', identifyLead, directory);
