import * as z from 'zod';

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
const ID_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._:@+-]{0,127}$/;

export const LeadId = z
  .string()
  .regex(ID_PATTERN, 'must be 1-128 characters: letters, digits and . _ : @ + -');
export const EventId = z
  .string()
  .regex(ID_PATTERN, 'must be 1-128 characters: letters, digits and . _ : @ + -');
export const ActivityType = z
  .string()
  .regex(
    ACTIVITY_TYPE_PATTERN,
    'must be lower snake case (a-z, 0-9, _), starting with a letter, at most 63 characters',
  );

/** ISO 8601 with an explicit offset or Z, e.g. 2026-11-24T09:30:00Z. */
export const Timestamp = z.iso.datetime({ offset: true });

const PropertyValue = z.union([z.string().max(2048), z.number(), z.boolean(), z.null()]);
/** Flat or one level nested, so properties stay small and predictable to match. */
export const Properties = z
  .record(z.string().max(64), z.union([PropertyValue, z.record(z.string().max(64), PropertyValue)]))
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
  message: { message: 'an activity needs a leadId or an anonymousId', path: ['leadId'] },
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
