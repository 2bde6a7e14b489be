import { z } from 'zod';
import { LeadId } from './activity.ts';

const AttributeValue = z.union([z.string().max(512), z.number(), z.boolean(), z.null()]);

export const AttributesSchema = z
  .object({
    email: z.email().optional(),
    emailDomain: z.string().max(253).optional(),
    title: z.string().max(256).optional(),
    industry: z.string().max(128).optional(),
    employees: z.number().int().nonnegative().optional(),
    annualRevenue: z.number().nonnegative().optional(),
    country: z.string().max(64).optional(),
  })
  .catchall(AttributeValue)
  .refine((value) => Object.keys(value).length <= 100, 'at most 100 attributes');

export const ProfileSchema = z
  .object({
    leadId: LeadId,
    attributes: AttributesSchema,
  })
  .strict();

export type Attributes = z.infer<typeof AttributesSchema>;
export type Profile = z.infer<typeof ProfileSchema>;

/** The e-mail domain is fit data in its own right (competitors, free mail); derive it when only the address is known. */
export function withEmailDomain(attributes: Attributes): Attributes {
  if (attributes.emailDomain || typeof attributes.email !== 'string') return attributes;
  const at = attributes.email.lastIndexOf('@');
  return at < 0 ? attributes : { ...attributes, emailDomain: attributes.email.slice(at + 1).toLowerCase() };
}
