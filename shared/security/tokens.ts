import { createHmac, timingSafeEqual } from 'node:crypto';

/**
 * A lead token travels in e-mail pixels and links (and in web pixels where the site's backend knows the lead):
 * base64url(JSON claims) "." base64url(HMAC-SHA256). Only the holder of the signing secret can make one, so
 * nobody can forge activity for someone else's lead.
 */
export interface LeadClaims {
  /** Lead id. */
  l: string;
  /** E-mail (campaign) id, when the token is in an e-mail. */
  m?: string;
  /** When the e-mail was sent (epoch seconds): opens seconds later are machine opens. */
  s?: number;
  /** Expiry, epoch seconds. */
  x: number;
}

export type TokenCheck =
  | { ok: true; claims: LeadClaims }
  | { ok: false; reason: 'malformed' | 'bad-signature' | 'expired' };

export function signLeadToken(secret: string, claims: LeadClaims): string {
  const body = Buffer.from(JSON.stringify(claims)).toString('base64url');
  return `${body}.${mac(secret, body)}`;
}

export function verifyLeadToken(secret: string, token: string, nowMs: number): TokenCheck {
  const dot = token.indexOf('.');
  if (dot <= 0 || token.length > 1024) return { ok: false, reason: 'malformed' };
  const body = token.slice(0, dot);
  if (!safeEqual(token.slice(dot + 1), mac(secret, body))) return { ok: false, reason: 'bad-signature' };
  let claims: LeadClaims;
  try {
    claims = JSON.parse(Buffer.from(body, 'base64url').toString('utf8'));
  } catch {
    return { ok: false, reason: 'malformed' };
  }
  if (typeof claims?.l !== 'string' || typeof claims.x !== 'number')
    return { ok: false, reason: 'malformed' };
  if (claims.x * 1000 <= nowMs) return { ok: false, reason: 'expired' };
  return { ok: true, claims };
}

/** Signature of a click-redirect target (and the token riding with it), so /r never redirects anywhere unsigned. */
export function signRedirect(secret: string, url: string, token = ''): string {
  return mac(secret, `r\n${url}\n${token}`);
}

export function verifyRedirect(secret: string, url: string, token: string, signature: string): boolean {
  return safeEqual(signature, signRedirect(secret, url, token));
}

function mac(secret: string, text: string): string {
  return createHmac('sha256', secret).update(text).digest('base64url');
}

function safeEqual(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}
