/** The restart backoff settings `backoffDelay` needs (see `RestartOptions`). */
export interface BackoffSettings {
  /** ms */
  minDelayMs: number;
  /** ms, before jitter */
  maxDelayMs: number;
  /** fraction, 0..1 */
  jitter: number;
  /** ≥ 1 */
  factor: number;
}

/**
 * Delay before restart number `attempt` (0-based), ms: min·factor^attempt capped at max, then spread
 * to raw·(1 ± jitter) and rounded to a whole ms. Pure, and safe for any attempt count: a huge,
 * infinite, fractional, negative or NaN attempt never yields NaN or Infinity.
 *
 * @param random source in [0, 1): 0 gives the shortest delay, 0.5 the undisturbed one.
 */
export function backoffDelay(attempt: number, opts: BackoffSettings, random: () => number = Math.random): number {
  const raw = undisturbedDelay(attempt, opts);
  const r = Math.min(Math.max(random(), 0), 1);
  // NaN from a broken random() would otherwise leak through Math.min/max.
  const spread = Number.isFinite(r) ? opts.jitter * (2 * r - 1) : 0;
  return Math.max(0, Math.round(raw * (1 + spread)));
}

function undisturbedDelay(attempt: number, { minDelayMs: min, maxDelayMs: max, factor }: BackoffSettings): number {
  const n = Number.isFinite(attempt) && attempt > 0 ? Math.floor(attempt) : attempt === Infinity ? Infinity : 0;
  // min = 0 must return here: 0·factor^n is NaN once factor^n has overflowed to Infinity.
  if (n === 0 || min === 0 || factor <= 1) return Math.min(min, max);
  // For a huge n, factor^n overflows to Infinity; min > 0 keeps the product Infinity, which the cap takes.
  return Math.min(max, min * factor ** n);
}

/**
 * Redelivery delay of a retryable failure on delivery `attempt` (1-based): base·2^(attempt-1), capped
 * at max, spread by ±jitter. The same curve as restarts, counted from the first delivery.
 */
export function retryDelayMs(attempt: number, baseMs: number, maxMs: number, jitter: number, random: () => number = Math.random): number {
  return Math.min(maxMs, backoffDelay(attempt - 1, { minDelayMs: baseMs, maxDelayMs: maxMs, jitter, factor: 2 }, random));
}
