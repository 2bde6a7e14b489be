import type { EventBridgeEvent } from 'aws-lambda';
import { checkActivity, MAX_CLOCK_SKEW_MS } from '../shared/domain/activity.ts';
import { BusOutcomeSchema, instant, outcomeIdOf } from '../shared/domain/outcome.ts';
import { ProfileSchema, withEmailDomain } from '../shared/domain/profile.ts';
import { BUS_DETAIL_TYPES } from '../shared/ingest/bus.ts';
import { recordActivities } from '../shared/ingest/record.ts';
import { lambdaHandler } from '../shared/lambda.ts';
import { LeadErased, OutcomeConflict } from '../shared/store/errors.ts';
import { count, logger } from '../shared/telemetry.ts';
import { wire } from '../shared/wiring.ts';

const { ledger, directory } = wire('ingest-bus');

/**
 * Events from the custom bus (CRM and marketing tools): activities, profile updates and outcomes, through the
 * same domain code as the HTTP API. A malformed event is logged and counted, not retried (it would fail again);
 * a failure to store throws, so EventBridge retries and then dead-letters it.
 */
async function ingestBusEvent(event: EventBridgeEvent<string, unknown>): Promise<void> {
  const now = Date.now();
  switch (event['detail-type']) {
    case 'leadscore.activity': {
      // The same checks as the API's, time included.
      const checked = checkActivity(event.detail, now);
      if (!checked.ok) return reject(event, checked.issues);
      const [result] = await recordActivities(ledger, [checked.activity], 'bus', now);
      count(`bus.activity.${result!.status}`);
      // EventBridge retries a failed invocation (and dead-letters it in the end); the retry records it once.
      if (result!.status === 'failed') throw new Error(`activity ${checked.activity.eventId} not stored`);
      return;
    }
    case 'leadscore.profile': {
      const parsed = ProfileSchema.safeParse(event.detail);
      if (!parsed.success) return reject(event, parsed.error.issues);
      const { leadId, attributes } = parsed.data;
      if (
        await refused('profile', () =>
          directory.onLead(leadId, (id) => directory.setAttributes(id, withEmailDomain(attributes), now)),
        )
      )
        return;
      count('bus.profile.updated');
      return;
    }
    case 'leadscore.outcome': {
      const parsed = BusOutcomeSchema.safeParse(event.detail);
      if (!parsed.success) return reject(event, parsed.error.issues);
      const { leadId, outcome, occurredAt, value } = parsed.data;
      if (Date.parse(occurredAt) > now + MAX_CLOCK_SKEW_MS)
        return reject(event, [{ path: ['occurredAt'], message: 'is more than 5 minutes in the future' }]);
      // EventBridge keeps an event's id across its retries: the id of an outcome sent without one.
      const outcomeId = parsed.data.outcomeId ?? outcomeIdOf(parsed.data, event.id);
      const record = { outcomeId, outcome, occurredAt: instant(occurredAt), value };
      let status: string | undefined;
      if (
        await refused('outcome', async () => {
          status = (await directory.onLead(leadId, (id) => directory.addOutcome(id, record))).result;
        })
      )
        return;
      count(`bus.outcome.${status}`);
      return;
    }
    default:
      return reject(event, [
        { message: `unknown detail-type; expected one of ${BUS_DETAIL_TYPES.join(', ')}` },
      ]);
  }
}

/**
 * Runs a write, and says whether the store refused it for good: an erased lead (dropped, as the API's 410) or a
 * conflicting outcome id (as its 409). Counted and logged, never retried: it would be refused again.
 */
async function refused(kind: string, write: () => Promise<unknown>): Promise<boolean> {
  try {
    await write();
    return false;
  } catch (error) {
    if (!(error instanceof LeadErased || error instanceof OutcomeConflict)) throw error;
    const reason = error instanceof LeadErased ? 'dropped' : 'conflict';
    count(`bus.${kind}.${reason}`);
    logger.warn(`bus ${kind} ${reason}`, { reason: error.message });
    return true;
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
