/** What the autoscaler looks at, once per interval. */
export interface AutoscaleSample {
  /** Current cap. */
  maxSize: number;
  /** The cap never goes below max(minSize, 1). */
  minSize: number;
  /** The cap never goes above this. */
  ceiling: number;
  /** Objects alive (idle + in use + being created or checked). */
  size: number;
  /** Objects idle now. */
  idle: number;
  /** Whether any caller had to wait since the last sample. */
  waited: boolean;
}

/**
 * The next `maxSize` of an autoscaled object pool: one step at a time, so a burst does not
 * over-provision and a lull does not tear down everything at once.
 * - callers waited → grow by 1, up to `ceiling`;
 * - else more than half the objects idle (or none at all) → shrink by 1, down to max(minSize, 1);
 * - else unchanged.
 */
export function nextMaxSize(s: AutoscaleSample): number {
  // max(): a cap set above the ceiling by hand is left alone, not cut down to it.
  if (s.waited) return Math.max(s.maxSize, Math.min(s.ceiling, s.maxSize + 1));
  const floor = Math.max(s.minSize, 1);
  if (s.size === 0 || s.idle > s.size / 2) return Math.max(floor, s.maxSize - 1);
  return s.maxSize;
}
