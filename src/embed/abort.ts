import { DocflowError } from '../errors/index.js';

/** The error of a cancelled embedding: `ERR_ABORTED` (retryable), with the signal's reason as cause. */
export function abortedError(signal: AbortSignal | undefined, what = 'embedding was cancelled'): DocflowError {
  // A DocflowError given as the reason (e.g. a closing embedder's) is passed on as is.
  const reason: unknown = signal?.reason;
  if (reason instanceof DocflowError) return reason;
  return new DocflowError('ERR_ABORTED', what, reason === undefined ? {} : { cause: reason });
}

/** Waits `ms`, or rejects with `ERR_ABORTED` as soon as `signal` fires. */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  if (signal?.aborted) return Promise.reject(abortedError(signal));
  return new Promise((resolve, reject) => {
    const onAbort = (): void => {
      clearTimeout(timer);
      reject(abortedError(signal));
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}
