/**
 * Clocks disagree a little; an activity from further in the future than this is a mistake. Here, not beside the
 * activity schemas, so scoring reads it without building them at cold start.
 */
export const MAX_CLOCK_SKEW_MS = 5 * 60_000;

/**
 * Epoch milliseconds of an ISO 8601 timestamp. The shape every integration sends
 * (YYYY-MM-DDTHH:MM:SS[.fff]Z) is read directly, several times faster than Date.parse,
 * which takes every other shape. NaN when the text is not a time.
 */
export function epochMs(iso: string): number {
  const n = iso.length;
  if ((n === 20 || n === 24) && iso.charCodeAt(n - 1) === 90 /* Z */ && iso.charCodeAt(10) === 84 /* T */) {
    const year = digits(iso, 0, 4);
    const month = digits(iso, 5, 2);
    const day = digits(iso, 8, 2);
    const hour = digits(iso, 11, 2);
    const minute = digits(iso, 14, 2);
    const second = digits(iso, 17, 2);
    const ms = n === 24 ? digits(iso, 20, 3) : 0;
    if (
      year >= 0 &&
      month >= 1 &&
      month <= 12 &&
      day >= 1 &&
      day <= 31 &&
      hour <= 23 &&
      minute <= 59 &&
      second <= 59 &&
      ms >= 0
    ) {
      const t = Date.UTC(year, month - 1, day, hour, minute, second, ms);
      // Date.UTC rolls 2026-02-31 over into March; a real timestamp round-trips its day.
      if (new Date(t).getUTCDate() === day) return t;
      return Number.NaN;
    }
  }
  return Date.parse(iso);
}

function digits(text: string, at: number, count: number): number {
  let value = 0;
  for (let i = at; i < at + count; i++) {
    const d = text.charCodeAt(i) - 48;
    if (d < 0 || d > 9) return -1;
    value = value * 10 + d;
  }
  return value;
}
