/**
 * A bounded window of permits, first come first served. `acquire()` waits while all permits are out;
 * waiters are bounded too (`maxWaiters`): past that, acquire rejects instead of queueing without end.
 */
export class Window {
  #size: number;
  #inUse = 0;
  readonly #waiters: Array<{ resolve: () => void; reject: (e: unknown) => void }> = [];
  readonly #maxWaiters: number;

  /** @param size permits, a positive integer; @param maxWaiters @defaultValue 100000 */
  constructor(size: number, maxWaiters = 100_000) {
    if (!Number.isInteger(size) || size < 1) throw new TypeError('window size must be a positive integer');
    this.#size = size;
    this.#maxWaiters = maxWaiters;
  }

  get size(): number { return this.#size; }
  get inUse(): number { return this.#inUse; }
  get waiting(): number { return this.#waiters.length; }

  /** Resize while running: growing wakes waiters; shrinking takes effect as permits come back. */
  resize(size: number): void {
    if (!Number.isInteger(size) || size < 1) throw new TypeError('window size must be a positive integer');
    this.#size = size;
    this.#wake();
  }

  /** Wait for a permit. */
  acquire(signal?: AbortSignal): Promise<void> {
    if (this.#inUse < this.#size && this.#waiters.length === 0) {
      this.#inUse++;
      return Promise.resolve();
    }
    if (this.#waiters.length >= this.#maxWaiters) return Promise.reject(new RangeError('too many waiters for the window'));
    return new Promise<void>((resolve, reject) => {
      const waiter = { resolve, reject };
      this.#waiters.push(waiter);
      signal?.addEventListener('abort', () => {
        const i = this.#waiters.indexOf(waiter);
        if (i >= 0) {
          this.#waiters.splice(i, 1);
          reject(signal.reason);
        }
      }, { once: true });
    });
  }

  /** Give a permit back. */
  release(): void {
    if (this.#inUse <= 0) throw new Error('window released more often than acquired');
    this.#inUse--;
    this.#wake();
  }

  /** Reject every waiter (on close). */
  rejectAll(reason: unknown): void {
    for (const w of this.#waiters.splice(0)) w.reject(reason);
  }

  #wake(): void {
    while (this.#inUse < this.#size && this.#waiters.length > 0) {
      this.#inUse++;
      this.#waiters.shift()!.resolve();
    }
  }
}
