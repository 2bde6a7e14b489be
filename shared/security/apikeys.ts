import { createHash, randomBytes } from 'node:crypto';

/** API keys are random and long; only their SHA-256 is stored, so a leaked table does not leak keys. */
export function newApiKey(): string {
  return `lsk_${randomBytes(24).toString('base64url')}`;
}

export function hashApiKey(key: string): string {
  return createHash('sha256').update(key).digest('hex');
}

/** The key from `Authorization: Bearer <key>` or `x-api-key: <key>`. */
export function apiKeyFrom(headers: Record<string, string | undefined>): string | undefined {
  const auth = headers.authorization;
  if (auth?.toLowerCase().startsWith('bearer ')) return auth.slice(7).trim() || undefined;
  const key = headers['x-api-key']?.trim();
  return key || undefined;
}
