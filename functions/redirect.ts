import { randomUUID } from 'node:crypto';
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import * as z from 'zod';
import { problems } from '../shared/http/problem.ts';
import { recordActivities } from '../shared/ingest/record.ts';
import { httpHandler } from '../shared/lambda.ts';
import { signingSecret } from '../shared/security/signing-secret.ts';
import { verifyLeadToken, verifyRedirect } from '../shared/security/tokens.ts';
import { count, logger } from '../shared/telemetry.ts';
import { wire } from '../shared/wiring.ts';

const { config, ledger } = wire('redirect');
const secret = await signingSecret(config);

const Query = z.object({
  u: z.url({ protocol: /^https?$/ }),
  s: z.string().min(1),
  t: z.string().optional(),
});

/**
 * GET /r?u=<url>&t=<lead token>&s=<signature>: a click in an e-mail. Redirects only to a target signed together
 * with its token (never an open redirect), and records an email_click for the token's lead.
 */
async function followLink(event: APIGatewayProxyEventV2): Promise<APIGatewayProxyStructuredResultV2> {
  const parsed = Query.safeParse(event.queryStringParameters ?? {});
  if (!parsed.success)
    throw problems.badRequest(
      'a link needs u (an http or https URL), s (its signature) and optionally t (a lead token)',
    );
  const { u: url, s: signature, t: token } = parsed.data;
  if (!verifyRedirect(secret, url, token ?? '', signature)) {
    count('redirect.rejected.bad-signature');
    throw problems.badRequest('the link is not signed for this target');
  }
  const now = Date.now();
  const check = token === undefined ? undefined : verifyLeadToken(secret, token, now);
  if (check?.ok) {
    try {
      await recordActivities(
        ledger,
        [
          {
            eventId: `click-${randomUUID()}`,
            leadId: check.claims.l,
            type: 'email_click',
            occurredAt: new Date(now).toISOString(),
            properties: { url, ...(check.claims.m !== undefined && { emailId: check.claims.m }) },
          },
        ],
        'redirect',
        now,
        'visitors',
      );
    } catch (error) {
      count('redirect.failed');
      logger.error('click not recorded', { error: error as Error });
    }
  } else if (check) {
    count(`redirect.token.${check.reason}`);
  }
  return { statusCode: 302, headers: { location: url, 'cache-control': 'no-store' }, body: '' };
}

export const handler = httpHandler('redirect', followLink);
