import { DocflowError } from '../errors/index.js';

/**
 * A flag's whole-number value, at least `min`.
 * @throws DocflowError ERR_USAGE naming the flag and what it got.
 */
export function wholeNumber(raw: string | undefined, flag: string, min: number, unit = ''): number {
  const n = Number(raw);
  const what = min === 1 ? `a positive whole number${unit}` : `a whole number${unit}, ${min} or more`;
  if (!Number.isSafeInteger(n) || n < min) throw new DocflowError('ERR_USAGE', `--${flag} must be ${what} (got "${raw}")`);
  return n;
}
