import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import * as z from 'zod';
import { AttributesPatchSchema, withEmailDomain } from '../shared/domain/profile.ts';
import { readJsonBody } from '../shared/http/body.ts';
import { leadIdParameter } from '../shared/http/parameters.ts';
import { json } from '../shared/http/problem.ts';
import { httpHandler } from '../shared/lambda.ts';
import { wire } from '../shared/wiring.ts';

const { directory } = wire('put-attributes');

const Body = z.strictObject({ attributes: AttributesPatchSchema });

/**
 * PUT /v1/leads/{id}/attributes {"attributes": {...}}: sets fit data; a null value removes an attribute. A
 * merged-away id sets its survivor's; an erased lead's answer is 410 and nothing is written.
 */
async function putAttributes(event: APIGatewayProxyEventV2): Promise<APIGatewayProxyStructuredResultV2> {
  const requested = leadIdParameter(event);
  const { attributes } = readJsonBody(event, Body, 32 * 1024);
  const { leadId, result: profile } = await directory.onLead(requested, (id) =>
    directory.setAttributes(id, withEmailDomain(attributes), Date.now()),
  );
  return json(200, {
    leadId,
    ...(leadId !== requested && { mergedInto: leadId }),
    attributes: profile.attributes,
    updatedAt: profile.updatedAt,
  });
}

export const handler = httpHandler('put-attributes', putAttributes, directory);
