import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import * as z from 'zod';
import { LeadId } from '../shared/domain/activity.ts';
import { readJsonBody } from '../shared/http/body.ts';
import { json, problems } from '../shared/http/problem.ts';
import { IdentityConflict, identify } from '../shared/ingest/identity.ts';
import { httpHandler } from '../shared/lambda.ts';
import { wire } from '../shared/wiring.ts';

const { ledger, directory } = wire('identify');

const Body = z
  .strictObject({ leadId: LeadId, anonymousId: LeadId.optional(), previousId: LeadId.optional() })
  .refine((b) => (b.anonymousId === undefined) !== (b.previousId === undefined), {
    message:
      'send exactly one of anonymousId (a visitor becomes this lead) or previousId (merge that lead into this one)',
  });

/** POST /v1/identify: a visitor becomes a known lead, or two leads merge (the older profile survives). */
async function identifyLead(event: APIGatewayProxyEventV2): Promise<APIGatewayProxyStructuredResultV2> {
  const body = readJsonBody(event, Body, 16 * 1024);
  try {
    return json(200, await identify(directory, ledger, body, Date.now()));
  } catch (error) {
    if (error instanceof IdentityConflict) throw problems.conflict(error.message);
    throw error;
  }
}

export const handler = httpHandler('identify', identifyLead, directory);
