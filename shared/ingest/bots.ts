import { isbot } from 'isbot';

export type BotReason = 'crawler' | 'mail-proxy' | 'prefetch' | 'no-user-agent';

/** Mail privacy proxies fetch images for their users: an open, but not a person reading now. */
const MAIL_PROXY =
  /GoogleImageProxy|YahooMailProxy|ggpht\.com|Outlook-iOS-Android|Mimecast|Barracuda|ProofPoint/i;

/** Opens this soon after sending are scanners and prefetchers, not people. */
export const MACHINE_OPEN_WINDOW_MS = 10_000;

/**
 * Why a hit looks automated, or undefined when it looks like a person. Flagged hits are kept in the ledger and
 * score nothing unless a model says otherwise.
 */
export function classifyHit(
  userAgent: string | undefined,
  sentAtMs: number | undefined,
  nowMs: number,
): BotReason | undefined {
  if (!userAgent?.trim()) return 'no-user-agent';
  if (MAIL_PROXY.test(userAgent)) return 'mail-proxy';
  if (isbot(userAgent)) return 'crawler';
  if (sentAtMs !== undefined && nowMs - sentAtMs >= 0 && nowMs - sentAtMs < MACHINE_OPEN_WINDOW_MS)
    return 'prefetch';
  return undefined;
}
