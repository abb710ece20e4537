import { DocflowError } from '../errors/index.js';
import type { Priority } from './priority.js';

/**
 * The errors the scheduler raises, one code each. All are retryable: none says the task itself is
 * wrong, only that it could not run (now, or in time).
 */

/** The level already holds `maxQueued` waiting tasks (backpressure: retry later). */
export function schedulerFullError(name: string, priority: Priority, maxQueued: number): DocflowError {
  return new DocflowError('ERR_SCHEDULER_FULL', `${name}: ${maxQueued} tasks already wait at priority ${priority}`, { retryable: true });
}

/** One attempt ran past `timeoutMs`; its signal was aborted with this error. */
export function attemptTimeoutError(name: string, timeoutMs: number, attempt: number): DocflowError {
  return new DocflowError('ERR_SCHEDULER_TIMEOUT', `${name}: attempt ${attempt} ran past its timeout of ${timeoutMs} ms`, { retryable: true });
}

/**
 * The scheduler is closing or closed. `ERR_ABORTED` until a dedicated `ERR_SCHEDULER_CLOSED` exists:
 * retryable, since the work itself was not at fault and belongs elsewhere.
 */
export function schedulerClosedError(name: string): DocflowError {
  return new DocflowError('ERR_ABORTED', `${name} is closed`, { retryable: true });
}

/** The caller's AbortSignal fired; never retried, whatever the reason says. */
export function taskAbortedError(name: string, reason: unknown): DocflowError {
  return new DocflowError('ERR_ABORTED', `${name}: the task was aborted by its caller`, { cause: reason, retryable: true });
}

/**
 * True when a failure says it may succeed on another attempt: a `DocflowError` (or anything else)
 * with a truthy `retryable`. Plain errors are not retried: the same input fails the same way.
 */
export function isRetryable(err: unknown): boolean {
  return typeof err === 'object' && err !== null && Boolean((err as { retryable?: unknown }).retryable);
}
