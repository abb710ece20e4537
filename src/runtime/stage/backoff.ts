/**
 * Exponential backoff with jitter: base·2^(attempt-1), capped at max, then spread by ±jitter.
 * Safe for any attempt count (no overflow to Infinity or NaN).
 */
export function retryDelayMs(attempt: number, baseMs: number, maxMs: number, jitter: number, random: () => number = Math.random): number {
  const exp = Math.min(Math.max(attempt - 1, 0), 52);
  const raw = Math.min(maxMs, baseMs * 2 ** exp);
  const spread = raw * jitter * (2 * random() - 1);
  return Math.max(0, Math.round(Math.min(maxMs, raw + spread)));
}
