import * as z from 'zod';
import { EventId, LeadId } from './ids.ts';
import { MAX_CLOCK_SKEW_MS } from './time.ts';

/** The activity types every integration knows; models may use custom types too. */
export const STANDARD_ACTIVITY_TYPES = [
  'page_view',
  'email_open',
  'email_click',
  'form_submit',
  'download',
  'webinar_registered',
  'webinar_attended',
  'video_watched',
  'chat_started',
  'meeting_booked',
  'email_unsubscribe',
  'email_bounce',
  'product_signup',
  'product_usage',
] as const;

/** Custom types: lower snake case, letters first, short enough to index and log. */
export const ACTIVITY_TYPE_PATTERN = /^[a-z][a-z0-9_]{0,62}$/;
export const ActivityType = z
  .string()
  .regex(
    ACTIVITY_TYPE_PATTERN,
    'must be lower snake case (a-z, 0-9, _), starting with a letter, at most 63 characters',
  );

/** ISO 8601 with an explicit offset or Z, e.g. 2026-11-24T09:30:00Z. */
export const Timestamp = z.iso.datetime({ offset: true });

/** The smallest magnitude DynamoDB stores (beside 0): anything nearer to zero is refused there, not rounded. */
const DYNAMODB_SMALLEST = 1e-130;

/**
 * A number DynamoDB stores exactly as sent: finite, an integer no larger than 2^53 - 1 in magnitude (beyond it
 * the document client refuses to guess), and 0 or at least 1e-130 in magnitude.
 */
export const StorableNumber = z
  .number()
  .refine(
    (n) =>
      Number.isFinite(n) &&
      Math.abs(n) <= Number.MAX_SAFE_INTEGER &&
      (n === 0 || Math.abs(n) >= DYNAMODB_SMALLEST),
    `must be 0 or between ${DYNAMODB_SMALLEST} and ${Number.MAX_SAFE_INTEGER} in magnitude`,
  );

/**
 * Names JavaScript gives a meaning of their own: an object holding one is taken for a class instance, which the
 * DynamoDB marshaller refuses (a 500 after validation), or worse, changes the object's prototype.
 */
const RESERVED_NAMES = new Set(['__proto__', 'constructor', 'prototype']);

/** A property or attribute name: never empty (DynamoDB refuses an empty map key), short, printable, not reserved. */
export const PropertyKey = z
  .string()
  .min(1, 'names must not be empty')
  .max(64)
  .refine(
    (name) => ![...name].some((c) => c.charCodeAt(0) < 0x20),
    'names must not contain control characters',
  )
  .refine((name) => !RESERVED_NAMES.has(name), 'names must not be __proto__, constructor or prototype');

const PropertyValue = z.union([z.string().max(2048), StorableNumber, z.boolean(), z.null()]);
/** Flat or one level nested, so properties stay small and predictable to match. */
export const Properties = z
  .record(PropertyKey, z.union([PropertyValue, z.record(PropertyKey, PropertyValue)]))
  .refine((value) => Object.keys(value).length <= 50, 'at most 50 properties');

const ActivityFields = {
  eventId: EventId,
  leadId: LeadId.optional(),
  anonymousId: LeadId.optional(),
  type: ActivityType,
  occurredAt: Timestamp,
  properties: Properties.optional(),
};

const needsIdentity = {
  check: (a: { leadId?: string | undefined; anonymousId?: string | undefined }) =>
    a.leadId !== undefined || a.anonymousId !== undefined,
  message: {
    message: 'an activity needs a leadId or an anonymousId',
    path: ['leadId'],
    // Checked even when another field is wrong too, so that one answer names every problem.
    when: (payload: { value: unknown }) => typeof payload.value === 'object' && payload.value !== null,
  },
};

/** The canonical activity, as integrations send it. */
export const ActivitySchema = z
  .strictObject(ActivityFields)
  .refine(needsIdentity.check, needsIdentity.message);

/** An activity as the ledger keeps it: ingestion adds whether it judged the hit a bot or a machine open. */
export const LedgerActivitySchema = z
  .strictObject({ ...ActivityFields, bot: z.boolean().optional() })
  .refine(needsIdentity.check, needsIdentity.message);

export type Activity = z.infer<typeof ActivitySchema>;
export type LedgerActivity = z.infer<typeof LedgerActivitySchema>;
export type PropertyMap = NonNullable<Activity['properties']>;

/**
 * What the scoring engine reads of an activity: its identity, time and content, and whether ingestion
 * judged it to be a bot or a machine open (kept in the ledger, scored only if the model says so).
 */
export interface ScorableActivity {
  eventId: string;
  type: string;
  occurredAt: string;
  properties?: PropertyMap | undefined;
  bot?: boolean | undefined;
}

export { MAX_CLOCK_SKEW_MS };

export type ActivityCheck =
  | { ok: true; activity: Activity }
  | { ok: false; issues: { path: PropertyKey[]; message: string }[] };

/** The API's and the bus's one check of an incoming activity: its shape, then its time against `nowMs`. */
export function checkActivity(raw: unknown, nowMs: number): ActivityCheck {
  const parsed = ActivitySchema.safeParse(raw);
  if (!parsed.success) return { ok: false, issues: parsed.error.issues };
  if (Date.parse(parsed.data.occurredAt) > nowMs + MAX_CLOCK_SKEW_MS)
    return { ok: false, issues: [{ path: ['occurredAt'], message: 'is more than 5 minutes in the future' }] };
  return { ok: true, activity: parsed.data };
}
