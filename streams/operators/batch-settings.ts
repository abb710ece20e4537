/**
 * The tunable settings of a batching stage (`docflow.control.tune` → `batchSize`, `batchWaitMs`,
 * `maxBytes`), their defaults and their checks.
 */
export interface BatchSettings {
  /** Items per batch: a batch is flushed as soon as it holds this many. @defaultValue 32 */
  batchSize: number;
  /**
   * Longest the first item of a batch waits before the batch is flushed, ms. The clock starts at
   * that first item, so an idle stream schedules nothing. @defaultValue 50
   */
  batchWaitMs: number;
  /** Bytes per batch, as measured by `sizeOf`; a batch is flushed before it would exceed this. 0 = no limit. @defaultValue 0 */
  maxBytes: number;
}

/** The defaults, frozen. */
export const DEFAULT_BATCH_SETTINGS: Readonly<BatchSettings> = Object.freeze({ batchSize: 32, batchWaitMs: 50, maxBytes: 0 });

const KEYS = Object.keys(DEFAULT_BATCH_SETTINGS) as Array<keyof BatchSettings>;
const CHECKS: Record<keyof BatchSettings, { min: number; words: string }> = {
  batchSize: { min: 1, words: 'a positive integer' },
  batchWaitMs: { min: 0, words: 'a non-negative integer' },
  maxBytes: { min: 0, words: 'a non-negative integer' },
};

/**
 * `patch` merged over `base` (an explicit `undefined` keeps the base value), checked: a `TypeError`
 * names the first bad or unknown key (`settings.batchSize must be a positive integer`).
 */
export function fillBatchSettings(patch: Partial<BatchSettings>, base: Readonly<BatchSettings> = DEFAULT_BATCH_SETTINGS): BatchSettings {
  if (typeof patch !== 'object' || patch === null) throw new TypeError('settings must be an object');
  const out: BatchSettings = { ...base };
  for (const [key, value] of Object.entries(patch)) {
    if (!(KEYS as string[]).includes(key)) throw new TypeError(`settings.${key} is not a batch setting (${KEYS.join(', ')})`);
    if (value === undefined) continue;
    const check = CHECKS[key as keyof BatchSettings];
    if (!Number.isInteger(value) || (value as number) < check.min) throw new TypeError(`settings.${key} must be ${check.words}`);
    out[key as keyof BatchSettings] = value as number;
  }
  return out;
}
