import middy from '@middy/core';
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import * as z from 'zod';
import { requireApiKey } from '../shared/http/auth.ts';
import { httpProblems } from '../shared/http/middleware.ts';
import { json, problems } from '../shared/http/problem.ts';
import { FeedStore } from '../shared/store/feed.ts';
import { wire } from '../shared/wiring.ts';

const { directory, client, tables } = wire();
const feed = new FeedStore(client, tables);

const Query = z.object({
  since: z.iso.datetime({ offset: true }).optional(),
  limit: z.coerce.number().int().min(1).max(500).default(100),
});

/** GET /v1/notifications?since=&limit=: what was published since then, oldest first (the dashboard polls it). */
async function listNotifications(event: APIGatewayProxyEventV2): Promise<APIGatewayProxyStructuredResultV2> {
  const query = Query.safeParse(event.queryStringParameters ?? {});
  if (!query.success)
    throw problems.badRequest('since must be an ISO 8601 time and limit a number from 1 to 500');
  const now = Date.now();
  const since = query.data.since
    ? new Date(query.data.since).toISOString()
    : new Date(now - 3_600_000).toISOString();
  const notifications = await feed.since(since, now, query.data.limit);
  return json(200, { notifications, until: notifications.at(-1)?.at ?? since });
}

export const handler = middy(listNotifications).use(httpProblems()).use(requireApiKey(directory));
