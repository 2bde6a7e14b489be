import type { MiddlewareObj } from '@middy/core';
import type { APIGatewayProxyEventV2, APIGatewayProxyResultV2 } from 'aws-lambda';
import { apiKeyFrom, hashApiKey } from '../security/apikeys.ts';
import type { LeadDirectory } from '../store/leads.ts';
import { problems } from './problem.ts';

const CACHE_MS = 60_000;

/**
 * Every /v1 route needs an API key (`Authorization: Bearer <key>` or `x-api-key`). Keys are looked up by their
 * hash; a known key is remembered for a minute so a busy client costs one read a minute, not one per request.
 */
export function requireApiKey(
  directory: LeadDirectory,
): MiddlewareObj<APIGatewayProxyEventV2, APIGatewayProxyResultV2> {
  const known = new Map<string, number>();
  return {
    before: async (request) => {
      const key = apiKeyFrom(request.event.headers);
      if (!key)
        throw problems.unauthorized('send an API key as "Authorization: Bearer <key>" or "x-api-key: <key>"');
      const hash = hashApiKey(key);
      const now = Date.now();
      if ((known.get(hash) ?? 0) > now) return;
      if (!(await directory.apiKey(hash))) throw problems.unauthorized('the API key is not valid');
      known.set(hash, now + CACHE_MS);
    },
  };
}
