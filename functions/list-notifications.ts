import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import * as z from 'zod';
import { json, problems } from '../shared/http/problem.ts';
import { httpHandler } from '../shared/lambda.ts';
import { FeedStore } from '../shared/store/feed.ts';
import { wire } from '../shared/wiring.ts';

const { directory, client, tables } = wire('list-notifications');
const feed = new FeedStore(client, tables);

const Query = z.object({
  since: z.iso.datetime({ offset: true }).optional(),
  /** The cursor of the last answer: after exactly the last notification it held. */
  after: z
    .string()
    .max(300)
    .regex(/^\d{4}-\d\d-\d\dT[\d:.]+Z#/)
    .optional(),
  limit: z.coerce.number().int().min(1).max(500).default(100),
});

/**
 * GET /v1/notifications?since=|after=&limit=: what was published after a time or after the last answer's cursor,
 * oldest first (the dashboard's live feed polls it with the cursor).
 */
async function listNotifications(event: APIGatewayProxyEventV2): Promise<APIGatewayProxyStructuredResultV2> {
  const query = Query.safeParse(event.queryStringParameters ?? {});
  if (!query.success)
    throw problems.badRequest('since must be an ISO 8601 time, after a cursor from this API, limit 1 to 500');
  const now = Date.now();
  const point =
    query.data.after ??
    (query.data.since ? new Date(query.data.since).toISOString() : new Date(now - 3_600_000).toISOString());
  return json(200, await feed.after(point, now, query.data.limit));
}

export const handler = httpHandler('list-notifications', listNotifications, directory);
