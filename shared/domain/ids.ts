import * as z from 'zod';

// The ids' grammar, apart from the activity's schemas: a function that reads no more than a lead id from its path
// (get-lead and the others under /v1/leads/{id}) checks it without building those at start-up.
const ID_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._:@+-]{0,127}$/;
const ID_RULE = 'must be 1-128 characters: letters, digits and . _ : @ + -';

/** A lead's id, or an anonymous visitor's. */
export const LeadId = z.string().regex(ID_PATTERN, ID_RULE);
/** An activity's id, or an outcome's. */
export const EventId = z.string().regex(ID_PATTERN, ID_RULE);
