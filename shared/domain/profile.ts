import * as z from 'zod';
import { PropertyKey, StorableNumber } from './activity.ts';
import { LeadId } from './ids.ts';

const AttributeValue = z.union([z.string().max(512), StorableNumber, z.boolean(), z.null()]);

const KnownAttributes = {
  email: z.email(),
  emailDomain: z.string().max(253),
  title: z.string().max(256),
  industry: z.string().max(128),
  employees: StorableNumber.pipe(z.number().int().nonnegative()),
  annualRevenue: StorableNumber.pipe(z.number().nonnegative()),
  country: z.string().max(64),
};
const tooMany = (value: object) => Object.keys(value).length <= 100;
/** Attribute names follow the rule of property names (PropertyKey); reported under the offending name. */
const namedWell = (value: object, context: z.RefinementCtx) => {
  for (const name of Object.keys(value)) {
    const checked = PropertyKey.safeParse(name);
    if (!checked.success)
      context.addIssue({ code: 'custom', path: [name], message: checked.error.issues[0]!.message });
  }
};

export const AttributesSchema = z
  .object({
    email: KnownAttributes.email.optional(),
    emailDomain: KnownAttributes.emailDomain.optional(),
    title: KnownAttributes.title.optional(),
    industry: KnownAttributes.industry.optional(),
    employees: KnownAttributes.employees.optional(),
    annualRevenue: KnownAttributes.annualRevenue.optional(),
    country: KnownAttributes.country.optional(),
  })
  .catchall(AttributeValue)
  .refine(tooMany, 'at most 100 attributes')
  .superRefine(namedWell);

/** An update to attributes: like a profile's, except that null removes one. */
export const AttributesPatchSchema = z
  .object(
    Object.fromEntries(Object.entries(KnownAttributes).map(([k, v]) => [k, v.nullable().optional()])) as {
      [K in keyof typeof KnownAttributes]: z.ZodOptional<z.ZodNullable<(typeof KnownAttributes)[K]>>;
    },
  )
  .catchall(AttributeValue)
  .refine(tooMany, 'at most 100 attributes')
  .superRefine(namedWell);
export type AttributesPatch = z.infer<typeof AttributesPatchSchema>;

export const ProfileSchema = z
  .object({
    leadId: LeadId,
    attributes: AttributesSchema,
  })
  .strict();

export type Attributes = z.infer<typeof AttributesSchema>;
export type Profile = z.infer<typeof ProfileSchema>;

/**
 * The e-mail domain is fit data in its own right (competitors, free mail); derive it when only the address is known.
 * Removing the address removes the domain too, unless the same change sets it: someone who asks for their e-mail
 * to go does not expect its domain (searched, and counted in the account's roll-up) to stay.
 */
export function withEmailDomain<A extends AttributesPatch>(attributes: A): A {
  if (attributes.email === null && attributes.emailDomain === undefined)
    return { ...attributes, emailDomain: null };
  if (attributes.emailDomain || typeof attributes.email !== 'string') return attributes;
  const at = attributes.email.lastIndexOf('@');
  return at < 0 ? attributes : { ...attributes, emailDomain: attributes.email.slice(at + 1).toLowerCase() };
}
