import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import * as z from 'zod';
import { type Activity, checkActivity } from '../shared/domain/activity.ts';
import { formatPath } from '../shared/domain/path.ts';
import { readJsonBody } from '../shared/http/body.ts';
import { json, problems } from '../shared/http/problem.ts';
import { type RecordResult, recordActivities } from '../shared/ingest/record.ts';
import { httpHandler } from '../shared/lambda.ts';
import { count } from '../shared/telemetry.ts';
import { wire } from '../shared/wiring.ts';

const { ledger, directory } = wire('post-events');

export const MAX_EVENTS = 100;
export const MAX_BODY_BYTES = 256 * 1024;

const Envelope = z.strictObject({ events: z.array(z.unknown()).min(1, 'send at least one event') });

/**
 * POST /v1/events {"events": [...]}: each event is checked on its own and answered on its own: recorded,
 * duplicate (its eventId was recorded before; nothing new is written), rejected (with the problem), dropped
 * (its lead was erased), or failed (not stored this time, `retryable`: a retry of the batch records only those).
 */
async function postEvents(event: APIGatewayProxyEventV2): Promise<APIGatewayProxyStructuredResultV2> {
  const { events } = readJsonBody(event, Envelope, MAX_BODY_BYTES);
  if (events.length > MAX_EVENTS)
    throw problems.tooLarge(`${events.length} events in one request; at most ${MAX_EVENTS}`);
  const now = Date.now();

  const results: (
    | RecordResult
    | { eventId: unknown; status: 'rejected'; errors: { path: string; message: string }[] }
  )[] = [];
  const accepted: { index: number; activity: Activity }[] = [];
  events.forEach((raw, index) => {
    const checked = checkActivity(raw, now);
    const eventId = (raw as { eventId?: unknown } | null)?.eventId;
    if (checked.ok) accepted.push({ index, activity: checked.activity });
    else
      results[index] = {
        eventId,
        status: 'rejected',
        errors: checked.issues.map((i) => ({ path: formatPath(i.path) || '(event)', message: i.message })),
      };
  });

  const recorded = await recordActivities(
    ledger,
    accepted.map((a) => a.activity),
    'api',
    now,
  );
  accepted.forEach((a, i) => {
    results[a.index] = recorded[i]!;
  });
  for (const r of results) count(`events.${r.status}`);
  const summary = { recorded: 0, duplicate: 0, rejected: 0, dropped: 0, failed: 0 };
  for (const r of results) summary[r.status]++;
  return json(200, {
    ...summary,
    results: results.map(({ eventId, status, ...rest }) => ({
      eventId,
      status,
      ...('errors' in rest ? { errors: rest.errors } : {}),
      ...('reason' in rest && rest.reason ? { reason: rest.reason } : {}),
      ...('retryable' in rest && rest.retryable ? { retryable: true } : {}),
    })),
  });
}

export const handler = httpHandler('post-events', postEvents, directory);
