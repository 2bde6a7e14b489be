import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import { LeadId } from '../domain/ids.ts';
import { problems } from './problem.ts';

export function leadIdParameter(event: APIGatewayProxyEventV2): string {
  const parsed = LeadId.safeParse(event.pathParameters?.id);
  if (!parsed.success)
    throw problems.badRequest(`the lead id in the path ${parsed.error.issues[0]?.message ?? 'is not valid'}`);
  return parsed.data;
}
