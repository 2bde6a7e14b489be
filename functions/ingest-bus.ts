import { randomUUID } from 'node:crypto';
import type { EventBridgeEvent } from 'aws-lambda';
import * as z from 'zod';
import { ActivitySchema, EventId, Timestamp } from '../shared/domain/activity.ts';
import { ProfileSchema, withEmailDomain } from '../shared/domain/profile.ts';
import { BUS_DETAIL_TYPES } from '../shared/ingest/bus.ts';
import { recordActivities } from '../shared/ingest/record.ts';
import { lambdaHandler } from '../shared/lambda.ts';
import { count, logger } from '../shared/telemetry.ts';
import { wire } from '../shared/wiring.ts';

const { ledger, directory } = wire('ingest-bus');

const Outcome = z.strictObject({
  leadId: z.string(),
  outcome: z.enum(['converted', 'won', 'lost']),
  occurredAt: Timestamp,
  outcomeId: EventId.optional(),
  value: z.number().finite().nonnegative().optional(),
});

/**
 * Events from the custom bus (CRM and marketing tools): activities, profile updates and outcomes, through the
 * same domain code as the HTTP API. A malformed event is logged and counted, not retried (it would fail again);
 * a failure to store throws, so EventBridge retries and then dead-letters it.
 */
async function ingestBusEvent(event: EventBridgeEvent<string, unknown>): Promise<void> {
  const now = Date.now();
  switch (event['detail-type']) {
    case 'leadscore.activity': {
      const parsed = ActivitySchema.safeParse(event.detail);
      if (!parsed.success) return reject(event, parsed.error.issues);
      const [result] = await recordActivities(ledger, [parsed.data], 'bus', now);
      count(`bus.activity.${result!.status}`);
      return;
    }
    case 'leadscore.profile': {
      const parsed = ProfileSchema.safeParse(event.detail);
      if (!parsed.success) return reject(event, parsed.error.issues);
      await directory.setAttributes(parsed.data.leadId, withEmailDomain(parsed.data.attributes), now);
      count('bus.profile.updated');
      return;
    }
    case 'leadscore.outcome': {
      const parsed = Outcome.safeParse(event.detail);
      if (!parsed.success) return reject(event, parsed.error.issues);
      const o = parsed.data;
      await directory.addOutcome(o.leadId, o.outcome, o.occurredAt, o.outcomeId ?? randomUUID(), o.value);
      count('bus.outcome.recorded');
      return;
    }
    default:
      return reject(event, [
        { message: `unknown detail-type; expected one of ${BUS_DETAIL_TYPES.join(', ')}` },
      ]);
  }
}

function reject(
  event: EventBridgeEvent<string, unknown>,
  issues: { message: string; path?: PropertyKey[] }[],
): void {
  count('bus.rejected');
  logger.warn('bus event rejected', {
    id: event.id,
    detailType: event['detail-type'],
    problems: issues.map((i) => `${(i.path ?? []).join('.') || '(detail)'}: ${i.message}`),
  });
}

export const handler = lambdaHandler(ingestBusEvent);
