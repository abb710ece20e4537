/**
 * Option checks shared by the pools. Each throws a `TypeError` naming the field, in piscina's words
 * ("options.maxSize must be a positive integer"), so a bad option fails at construction, not later.
 */

/** Throws unless `value` is an integer ≥ 1. */
export function assertPositiveInteger(field: string, value: unknown): asserts value is number {
  if (!Number.isInteger(value) || (value as number) < 1) throw new TypeError(`${field} must be a positive integer`);
}

/** Throws unless `value` is an integer ≥ 0. */
export function assertNonNegativeInteger(field: string, value: unknown): asserts value is number {
  if (!Number.isInteger(value) || (value as number) < 0) throw new TypeError(`${field} must be a non-negative integer`);
}

/** Throws unless `value` is a finite number ≥ 0. */
export function assertNonNegativeNumber(field: string, value: unknown): asserts value is number {
  if (typeof value !== 'number' || !Number.isFinite(value) || value < 0) throw new TypeError(`${field} must be a non-negative number`);
}

/** Throws unless `value` is a finite number > 0. */
export function assertPositiveNumber(field: string, value: unknown): asserts value is number {
  if (typeof value !== 'number' || !Number.isFinite(value) || value <= 0) throw new TypeError(`${field} must be a positive number`);
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

/** Throws unless `value` looks like a pino Logger (the methods the pools call). */
export function assertLogger(field: string, value: unknown): void {
  const v = value as Record<string, unknown> | null;
  if (typeof v !== 'object' || v === null || typeof v.debug !== 'function' || typeof v.warn !== 'function') {
    throw new TypeError(`${field} must be a pino Logger`);
  }
}

/** Copies the defined own fields of `given` over `defaults` (an explicit `undefined` means "default"). */
export function fillDefaults<T extends object>(defaults: Readonly<T>, given: Partial<T>): T {
  const out = { ...defaults };
  for (const [k, v] of Object.entries(given)) if (v !== undefined) (out as Record<string, unknown>)[k] = v;
  return out;
}
