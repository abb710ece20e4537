import { abortedError } from './abort.js';

/** Leave to send one request; `release()` it once the reply (or failure) is in. Idempotent. */
export interface Permit {
  /** The limiter's epoch when granted: congestion seen by a request counts once per epoch. */
  readonly epoch: number;
  release(): void;
}

interface Waiter {
  grant(permit: Permit): void;
  signal: AbortSignal | undefined;
  onAbort: () => void;
}

/**
 * A concurrency limit that adapts to the server, as TCP's congestion window does (AIMD): it starts
 * at `max`, halves when the server says it is overloaded (429, 503), and grows by one after a run of
 * `limit` successes, between 1 and `max`.
 *
 * Requests already in flight when the limit was halved may come back overloaded too; they belong to
 * an older epoch and do not halve it again, so one burst of 429s costs one halving, not one per request.
 */
export class AdaptiveLimiter {
  readonly #max: number;
  readonly #waiters: Waiter[] = [];
  #limit: number;
  #inFlight = 0;
  #successes = 0;
  #epoch = 0;
  #decreases = 0;

  constructor(max: number) {
    this.#max = max;
    this.#limit = max;
  }

  /** Requests allowed in flight now. */
  get limit(): number { return this.#limit; }
  /** Requests in flight now. */
  get inFlight(): number { return this.#inFlight; }
  /** Times the limit was halved. */
  get decreases(): number { return this.#decreases; }

  /** Waits for a free slot (FIFO); rejects with `ERR_ABORTED` if `signal` fires first. */
  acquire(signal?: AbortSignal): Promise<Permit> {
    if (signal?.aborted) return Promise.reject(abortedError(signal));
    if (this.#inFlight < this.#limit && this.#waiters.length === 0) return Promise.resolve(this.#grant());
    return new Promise<Permit>((resolve, reject) => {
      const waiter: Waiter = {
        grant: resolve,
        signal,
        onAbort: () => {
          const i = this.#waiters.indexOf(waiter);
          if (i >= 0) this.#waiters.splice(i, 1);
          reject(abortedError(signal));
        },
      };
      signal?.addEventListener('abort', waiter.onAbort, { once: true });
      this.#waiters.push(waiter);
    });
  }

  /** A request succeeded: after `limit` successes in a row, allow one more in flight. */
  onSuccess(): void {
    this.#successes++;
    if (this.#successes >= this.#limit && this.#limit < this.#max) {
      this.#limit++;
      this.#successes = 0;
      this.#drain();
    }
  }

  /** The server is overloaded: halve the limit, once per epoch. True when this call halved it. */
  onCongestion(permit: Permit): boolean {
    this.#successes = 0;
    if (permit.epoch !== this.#epoch) return false;
    this.#epoch++;
    const next = Math.max(1, Math.floor(this.#limit / 2));
    if (next === this.#limit) return false;
    this.#limit = next;
    this.#decreases++;
    return true;
  }

  #grant(): Permit {
    this.#inFlight++;
    let released = false;
    return {
      epoch: this.#epoch,
      release: () => {
        if (released) return;
        released = true;
        this.#inFlight--;
        this.#drain();
      },
    };
  }

  #drain(): void {
    while (this.#waiters.length > 0 && this.#inFlight < this.#limit) {
      const w = this.#waiters.shift() as Waiter;
      w.signal?.removeEventListener('abort', w.onAbort);
      w.grant(this.#grant());
    }
  }
}
