import type { SchedulerTimers } from '../../src/scheduler/index.js';

/** Lets every pending promise callback run (a macrotask turn drains the microtask queue). */
export function flush(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

/**
 * Virtual time for the scheduler: `now()` and `timers` read and write this clock, and `advance(ms)`
 * fires due timers in order, letting promise callbacks run between them. Nothing depends on real time.
 */
export class FakeClock {
  #now = 0;
  #seq = 0;
  readonly #timers = new Map<number, { at: number; fn: () => void }>();

  readonly now = (): number => this.#now;

  readonly timers: SchedulerTimers = {
    setTimeout: (fn: () => void, ms: number): unknown => {
      const id = ++this.#seq;
      this.#timers.set(id, { at: this.#now + ms, fn });
      return id;
    },
    clearTimeout: (handle: unknown): void => {
      this.#timers.delete(handle as number);
    },
  };

  /** Delays (from now) of the timers still pending, soonest first. */
  pending(): number[] {
    return [...this.#timers.values()].map((t) => t.at - this.#now).sort((a, b) => a - b);
  }

  async advance(ms: number): Promise<void> {
    const target = this.#now + ms;
    for (;;) {
      await flush();
      const next = this.#nextDue(target);
      if (next === undefined) break;
      const timer = this.#timers.get(next)!;
      this.#timers.delete(next);
      this.#now = timer.at;
      timer.fn();
    }
    this.#now = target;
    await flush();
  }

  #nextDue(limit: number): number | undefined {
    let best: number | undefined;
    let bestAt = Infinity;
    for (const [id, t] of this.#timers) {
      if (t.at <= limit && t.at < bestAt) {
        best = id;
        bestAt = t.at;
      }
    }
    return best;
  }
}

/** A promise with its resolve and reject in hand. */
export interface Deferred<T> {
  promise: Promise<T>;
  resolve(value: T): void;
  reject(err: unknown): void;
}

export function deferred<T = void>(): Deferred<T> {
  let resolve!: (value: T) => void;
  let reject!: (err: unknown) => void;
  const promise = new Promise<T>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}

/** Records the outcome of a promise without letting it reject unhandled. */
export function settled<T>(p: Promise<T>): { readonly state: 'pending' | 'fulfilled' | 'rejected'; readonly value?: T; readonly error?: unknown } {
  const out: { state: 'pending' | 'fulfilled' | 'rejected'; value?: T; error?: unknown } = { state: 'pending' };
  p.then(
    (value) => Object.assign(out, { state: 'fulfilled', value }),
    (error: unknown) => Object.assign(out, { state: 'rejected', error }),
  );
  return out;
}
