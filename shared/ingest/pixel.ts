import { randomUUID } from 'node:crypto';
import { type LedgerActivity, LedgerActivitySchema } from '../domain/activity.ts';
import { verifyLeadToken } from '../security/tokens.ts';
import { type BotReason, classifyHit } from './bots.ts';

/** The 1x1 transparent GIF every pixel request gets back, whatever happened. */
export const PIXEL_GIF = Buffer.from('R0lGODlhAQABAIAAAAAAAP///yH5BAEAAAAALAAAAAABAAEAAAIBRAA7', 'base64');

export const PIXEL_HEADERS = {
  'content-type': 'image/gif',
  'cache-control': 'no-store, no-cache, must-revalidate, max-age=0',
  pragma: 'no-cache',
  expires: '0',
} as const;

export type PixelRejection =
  | 'forged-token'
  | 'expired-token'
  | 'no-identity'
  | 'invalid'
  | 'type-not-allowed';

export type PixelHit =
  | { ok: true; activity: LedgerActivity; botReason: BotReason | undefined }
  | { ok: false; reason: PixelRejection; detail: string };

const MAX_CUSTOM_PROPERTIES = 20;

/**
 * Reads a pixel request. Query parameters:
 *   a   anonymous visitor id (web)              t   signed lead token (e-mail, or web where the site knows the lead)
 *   e   activity type (default: email_open with an e-mail token, else page_view)
 *   u   page URL or path                        r   referrer
 *   id  event id for idempotent retries (default: a new one)
 *   p.<name>  custom properties (up to 20)
 * The time is the server's: a pixel's own clock is not trusted. Anyone can make a browser request this, so only
 * the types in `allowedTypes` are taken (page views by default), and email_open only with a signed e-mail token:
 * activity that signals intent (a form, a meeting) comes through the authenticated API or the bus.
 */
export function parsePixelHit(
  query: Record<string, string | undefined>,
  userAgent: string | undefined,
  secret: string,
  nowMs: number,
  allowedTypes: ReadonlySet<string>,
): PixelHit {
  let leadId: string | undefined;
  let emailId: string | undefined;
  let sentAtMs: number | undefined;
  if (query.t !== undefined) {
    const check = verifyLeadToken(secret, query.t, nowMs);
    if (!check.ok) {
      return {
        ok: false,
        reason: check.reason === 'expired' ? 'expired-token' : 'forged-token',
        detail: check.reason,
      };
    }
    leadId = check.claims.l;
    emailId = check.claims.m;
    sentAtMs = check.claims.s === undefined ? undefined : check.claims.s * 1000;
  }
  const anonymousId = query.a || undefined;
  if (leadId === undefined && anonymousId === undefined) {
    return { ok: false, reason: 'no-identity', detail: 'neither an anonymous id (a) nor a lead token (t)' };
  }

  const type = query.e ?? (emailId !== undefined ? 'email_open' : 'page_view');
  if (!allowedTypes.has(type) && !(type === 'email_open' && emailId !== undefined)) {
    return {
      ok: false,
      reason: 'type-not-allowed',
      detail: `"${type.slice(0, 64)}" is not a pixel activity (allowed: ${[...allowedTypes].join(', ')}${emailId === undefined ? '' : ', email_open'})`,
    };
  }

  const properties: Record<string, string> = {};
  if (query.u) {
    properties.url = query.u.slice(0, 2048);
    properties.path = pathOf(query.u);
  }
  if (query.r) properties.referrer = query.r.slice(0, 2048);
  if (emailId !== undefined) properties.emailId = emailId;
  let custom = 0;
  for (const [name, value] of Object.entries(query)) {
    if (!name.startsWith('p.') || value === undefined || custom >= MAX_CUSTOM_PROPERTIES) continue;
    const key = name.slice(2, 66);
    if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(key) || key in properties) continue;
    properties[key] = value.slice(0, 512);
    custom++;
  }
  const botReason = classifyHit(userAgent, sentAtMs, nowMs);
  if (botReason) properties.botReason = botReason;
  if (userAgent) properties.userAgent = userAgent.slice(0, 256);

  const candidate = {
    eventId: query.id ?? `px-${randomUUID()}`,
    ...(leadId !== undefined && { leadId }),
    ...(anonymousId !== undefined && { anonymousId }),
    type,
    occurredAt: new Date(nowMs).toISOString(),
    properties,
    ...(botReason && { bot: true }),
  };
  const parsed = LedgerActivitySchema.safeParse(candidate);
  if (!parsed.success) {
    return {
      ok: false,
      reason: 'invalid',
      detail: parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; '),
    };
  }
  return { ok: true, activity: parsed.data, botReason };
}

/** "/pricing" from "https://example.com/pricing?x=1#y", and a bare path as it is. */
function pathOf(url: string): string {
  try {
    return new URL(url, 'http://relative.invalid').pathname.slice(0, 1024);
  } catch {
    return url.slice(0, 1024);
  }
}
