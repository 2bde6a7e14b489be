import { createHash } from 'node:crypto';
import * as z from 'zod';

/**
 * The demo site's sign-up form, as a site's own server would handle it: the page is public and must never hold an
 * API key, so it posts the form here and this route, which holds the key, calls the public API as any integration
 * does (POST /v1/identify, PUT /v1/leads/{id}/attributes, POST /v1/events). Local only: in AWS a site's backend
 * plays this part.
 */
export const DemoForm = z.strictObject({
  visitor: z.string().regex(/^v-[0-9a-f-]{36}$/),
  name: z.string().trim().min(1).max(200),
  email: z.email().max(254),
  company: z.string().trim().max(200).default(''),
  title: z.string().trim().max(200).default(''),
});
export type DemoForm = z.infer<typeof DemoForm>;

/** The lead a form becomes: one per e-mail address, so filling the form in again finds the same lead. */
export const demoLeadId = (email: string) =>
  `demo-${createHash('sha256').update(email.toLowerCase()).digest('hex').slice(0, 16)}`;

export async function identifyDemoVisitor(
  form: DemoForm,
  api: (path: string, method: string, body: unknown) => Promise<Response>,
): Promise<{ leadId: string }> {
  const leadId = demoLeadId(form.email);
  const calls: [string, string, unknown][] = [
    ['/v1/identify', 'POST', { leadId, anonymousId: form.visitor }],
    [
      `/v1/leads/${leadId}/attributes`,
      'PUT',
      {
        attributes: {
          name: form.name,
          email: form.email,
          ...(form.company && { company: form.company }),
          ...(form.title && { title: form.title }),
        },
      },
    ],
    // The form is a demo request: what turns an interested visitor hot.
    [
      '/v1/events',
      'POST',
      {
        events: [
          {
            eventId: `${leadId}-demo-${Date.now()}`,
            leadId,
            type: 'form_submit',
            occurredAt: new Date().toISOString(),
            properties: { form: 'demo' },
          },
        ],
      },
    ],
  ];
  for (const [path, method, body] of calls) {
    const answer = await api(path, method, body);
    // 409: this visitor was already identified as this lead (the form sent twice).
    if (!answer.ok && answer.status !== 409)
      throw new Error(`${method} ${path}: ${answer.status} ${await answer.text()}`);
  }
  return { leadId };
}
