/**
 * Option checks shared by the runtime's components (pools, supervisor, memory monitor, scheduler).
 * Each throws a `TypeError` naming the field in piscina's words ("options.maxSize must be a positive
 * integer"), so a bad option fails at construction, not later.
 */

/** Throws unless `value` is an integer ≥ 0. */
export function assertNonNegativeInteger(field: string, value: unknown): asserts value is number {
  if (!Number.isSafeInteger(value) || (value as number) < 0) throw new TypeError(`${field} must be a non-negative integer`);
}

/** Throws unless `value` is an integer ≥ 1. */
export function assertPositiveInteger(field: string, value: unknown): asserts value is number {
  if (!Number.isSafeInteger(value) || (value as number) < 1) throw new TypeError(`${field} must be a positive integer`);
}

/** Throws unless `value` is a finite number ≥ 0. */
export function assertNonNegativeNumber(field: string, value: unknown): asserts value is number {
  if (typeof value !== 'number' || !Number.isFinite(value) || value < 0) throw new TypeError(`${field} must be a non-negative number`);
}

/** Throws unless `value` is a finite number > 0. */
export function assertPositiveNumber(field: string, value: unknown): asserts value is number {
  if (typeof value !== 'number' || !Number.isFinite(value) || value <= 0) throw new TypeError(`${field} must be a positive number`);
}

/** Throws unless `value` is a number in [min, max]. */
export function assertNumberInRange(field: string, value: unknown, min: number, max: number): asserts value is number {
  if (typeof value !== 'number' || !(value >= min && value <= max)) throw new TypeError(`${field} must be a number from ${min} to ${max}`);
}

/** Throws unless `value` is a non-empty string. */
export function assertNonEmptyString(field: string, value: unknown): asserts value is string {
  if (typeof value !== 'string' || value.length === 0) throw new TypeError(`${field} must be a non-empty string`);
}

/** Throws unless `value` is a boolean. */
export function assertBoolean(field: string, value: unknown): asserts value is boolean {
  if (typeof value !== 'boolean') throw new TypeError(`${field} must be a boolean`);
}

/** Throws unless `value` is a function. */
export function assertFunction(field: string, value: unknown): asserts value is (...args: never[]) => unknown {
  if (typeof value !== 'function') throw new TypeError(`${field} must be a function`);
}

/** Throws unless `value` is a plain object (nested option groups). */
export function assertObject(field: string, value: unknown): asserts value is Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new TypeError(`${field} must be an object`);
}

/** Throws unless `value` looks like a pino Logger (the methods called here). */
export function assertLogger(field: string, value: unknown): void {
  const v = value as Record<string, unknown> | null;
  const ok = typeof v === 'object' && v !== null && ['child', 'debug', 'info', 'warn', 'error'].every((m) => typeof v[m] === 'function');
  if (!ok) throw new TypeError(`${field} must be a pino Logger`);
}

/** Copies the defined own fields of `given` over `defaults` (an explicit `undefined` means "default"). */
export function fillDefaults<T extends object>(defaults: Readonly<T>, given: Partial<T> | undefined): T {
  const out = { ...defaults };
  for (const [k, v] of Object.entries(given ?? {})) if (v !== undefined) (out as Record<string, unknown>)[k] = v;
  return out;
}
