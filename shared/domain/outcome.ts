import { createHash } from 'node:crypto';
import * as z from 'zod';
import { StorableNumber, Timestamp } from './activity.ts';
import { EventId, LeadId } from './ids.ts';

export const OutcomeKind = z.enum(['converted', 'won', 'lost']);

/** An outcome as the API and the bus take it; without an outcomeId, one is derived (outcomeIdOf). */
export const OutcomeFields = {
  outcome: OutcomeKind,
  occurredAt: Timestamp.optional(),
  /** Makes retries safe: the same outcomeId is recorded once, whatever time it carries. */
  outcomeId: EventId.optional(),
  value: StorableNumber.pipe(z.number().nonnegative()).optional(),
};

export const BusOutcomeSchema = z.strictObject({ leadId: LeadId, ...OutcomeFields, occurredAt: Timestamp });

/**
 * The outcome's id when its sender gave none: from the bus event's own id (EventBridge keeps it across retries),
 * else from what the outcome says, with its time as an instant, so a retry, however its time is spelled, is the
 * same outcome. Pure: the same input always gives the same id.
 */
export function outcomeIdOf(
  outcome: { leadId: string; outcome: string; occurredAt?: string | undefined; value?: number | undefined },
  eventId?: string,
): string {
  if (eventId !== undefined)
    return `bus-${createHash('sha256').update(eventId).digest('base64url').slice(0, 32)}`;
  const at = outcome.occurredAt === undefined ? '' : String(Date.parse(outcome.occurredAt));
  const content = [outcome.leadId, outcome.outcome, at, outcome.value ?? ''].join('\u0000');
  return `oc-${createHash('sha256').update(content).digest('base64url').slice(0, 32)}`;
}

/** An instant in one spelling (UTC, milliseconds), so the same time is stored the same way. */
export function instant(timestamp: string): string {
  return new Date(Date.parse(timestamp)).toISOString();
}
