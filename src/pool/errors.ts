import { DocflowError } from '../errors/index.js';

/**
 * The errors the pools raise, in one place so that each failure keeps one code. Every one is
 * retryable: the work itself was not at fault, only where or when it ran.
 */

/** The worker pool's bounded queue is full (backpressure: retry later). */
export function queueFullError(pool: string, maxQueue: number): DocflowError {
  return new DocflowError('ERR_POOL_QUEUE_FULL', `pool "${pool}": queue is full (${maxQueue} tasks waiting)`, { retryable: true });
}

/** Too many callers already wait for an object of an object pool. */
export function tooManyWaitersError(pool: string, maxWaiters: number): DocflowError {
  return new DocflowError('ERR_POOL_QUEUE_FULL', `pool "${pool}": too many waiters (${maxWaiters})`, { retryable: true });
}

/** No pooled object became free within `acquireTimeoutMs`. */
export function acquireTimeoutError(pool: string, timeoutMs: number): DocflowError {
  return new DocflowError('ERR_POOL_TIMEOUT', `pool "${pool}": no object became free within ${timeoutMs} ms`, { retryable: true });
}

/** The pool is closing or closed; the work should go elsewhere or be redelivered. */
export function poolClosedError(pool: string): DocflowError {
  return new DocflowError('ERR_POOL_CLOSED', `pool "${pool}" is closed`, { retryable: true });
}

/** The caller's AbortSignal fired. */
export function abortedError(pool: string, reason: unknown): DocflowError {
  return new DocflowError('ERR_ABORTED', `pool "${pool}": the task was aborted`, { cause: reason, retryable: true });
}

/** A task ran longer than `taskTimeoutMs`; its thread was replaced. */
export function taskTimeoutError(pool: string, timeoutMs: number): DocflowError {
  return new DocflowError('ERR_STAGE_TIMEOUT', `pool "${pool}": the task ran past its timeout of ${timeoutMs} ms; its worker thread was replaced`, { retryable: true });
}

/** The worker thread died (uncaught error, exit, terminate, out of memory) while running the task. */
export function workerDiedError(pool: string, cause: unknown): DocflowError {
  const why = cause instanceof Error ? cause.message : String(cause);
  return new DocflowError('ERR_WORKER_DIED', `pool "${pool}": the worker thread died while running the task (${why})`, { cause, retryable: true });
}

/**
 * Classify a rejection from piscina that the pool did not cause by aborting: a task that cannot be
 * posted (not structured-cloneable) fails the same way every time, so it is a non-retryable caller
 * bug; anything else means the thread died.
 */
export function workerRejectionError(pool: string, err: unknown): DocflowError {
  if (err instanceof Error && err.name === 'DataCloneError') {
    return new DocflowError('ERR_INTERNAL', `pool "${pool}": the task cannot be sent to a worker thread (${err.message})`, { cause: err, retryable: false });
  }
  return workerDiedError(pool, err);
}
