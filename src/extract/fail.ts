import { DocflowError, type ErrorCode } from '../errors/index.js';

type ExtractCode = Extract<ErrorCode, `ERR_EXTRACT_${string}`>;

/** A typed extraction failure; `details` carries plain data for the dead letter. */
export function extractError(code: ExtractCode, message: string, opts: { cause?: unknown; details?: unknown } = {}): DocflowError {
  return new DocflowError(code, message, opts);
}

/**
 * Turn whatever a parser threw into a typed error: our own errors pass through; anything else
 * (a library exception, a stack overflow on absurd nesting) is reported as a damaged file, with the
 * library's message, since the same bytes would fail the same way again.
 */
export function asExtractError(err: unknown, what: string): DocflowError {
  if (err instanceof DocflowError) return err;
  const message = err instanceof Error ? err.message : String(err);
  return extractError('ERR_EXTRACT_CORRUPT', `${what} could not be read: ${message || 'unknown parser error'}`, { cause: err });
}
