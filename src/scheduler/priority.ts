/**
 * The contract's document priorities (`priority` on `docflow.ingest`), most urgent first. The order
 * of this array is the scheduling order: index 0 is served first.
 */
export const PRIORITIES = Object.freeze(['critical', 'high', 'normal', 'low'] as const);

/** One of `critical`, `high`, `normal`, `low`. */
export type Priority = (typeof PRIORITIES)[number];

/** The contract's default priority. */
export const DEFAULT_PRIORITY: Priority = 'normal';

/** True when `value` is one of the four priorities. */
export function isPriority(value: unknown): value is Priority {
  return typeof value === 'string' && (PRIORITIES as readonly string[]).includes(value);
}

/** A record with one entry per priority, each from `init(priority)`. */
export function perPriority<V>(init: (p: Priority) => V): Record<Priority, V> {
  return { critical: init('critical'), high: init('high'), normal: init('normal'), low: init('low') };
}
