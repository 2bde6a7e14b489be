import middy from '@middy/core';
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import * as z from 'zod';
import { AttributesPatchSchema, withEmailDomain } from '../shared/domain/profile.ts';
import { requireApiKey } from '../shared/http/auth.ts';
import { readJsonBody } from '../shared/http/body.ts';
import { httpProblems } from '../shared/http/middleware.ts';
import { leadIdParameter } from '../shared/http/parameters.ts';
import { json } from '../shared/http/problem.ts';
import { wire } from '../shared/wiring.ts';

const { directory } = wire();

const Body = z.strictObject({ attributes: AttributesPatchSchema });

/** PUT /v1/leads/{id}/attributes {"attributes": {...}}: sets fit data; a null value removes an attribute. */
async function putAttributes(event: APIGatewayProxyEventV2): Promise<APIGatewayProxyStructuredResultV2> {
  const leadId = leadIdParameter(event);
  const { attributes } = readJsonBody(event, Body, 32 * 1024);
  const profile = await directory.setAttributes(leadId, withEmailDomain(attributes), Date.now());
  return json(200, { leadId, attributes: profile.attributes, updatedAt: profile.updatedAt });
}

export const handler = middy(putAttributes).use(httpProblems()).use(requireApiKey(directory));
