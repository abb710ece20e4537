import type { DocflowError } from '../errors/index.js';

/** One caller waiting for an object. */
export interface Waiter<T> {
  /** Hand the object over (clears the timeout and the abort listener). */
  resolve(obj: T): void;
  reject(err: DocflowError): void;
}

interface Entry<T> extends Waiter<T> {
  cleanup(): void;
}

/**
 * Callers waiting for an object, served first come, first served. Each waits at most `timeoutMs`
 * and until its `signal` fires; either one takes it out of the queue and rejects it.
 */
export class WaiterQueue<T> {
  readonly #queue: Entry<T>[] = [];

  get length(): number {
    return this.#queue.length;
  }

  /**
   * Queue a caller. `onTimeout` and `onAbort` build the rejection (and may count it); they run only
   * if the caller is still waiting.
   */
  add(timeoutMs: number, signal: AbortSignal | undefined, onTimeout: () => DocflowError, onAbort: () => DocflowError): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      const leave = (err: DocflowError): void => {
        const i = this.#queue.indexOf(entry);
        if (i < 0) return;
        this.#queue.splice(i, 1);
        entry.cleanup();
        reject(err);
      };
      const timer = setTimeout(() => leave(onTimeout()), timeoutMs);
      const abort = (): void => leave(onAbort());
      signal?.addEventListener('abort', abort, { once: true });
      const entry: Entry<T> = {
        cleanup: () => { clearTimeout(timer); signal?.removeEventListener('abort', abort); },
        resolve: (obj) => { entry.cleanup(); resolve(obj); },
        reject: (err) => { entry.cleanup(); reject(err); },
      };
      this.#queue.push(entry);
    });
  }

  /** Take the longest-waiting caller out of the queue. */
  shift(): Waiter<T> | undefined {
    return this.#queue.shift();
  }

  /** Reject every waiting caller. */
  rejectAll(err: DocflowError): void {
    for (const e of this.#queue.splice(0)) e.reject(err);
  }
}
