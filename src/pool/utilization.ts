import { performance } from 'node:perf_hooks';

/**
 * Share of thread time spent running tasks since the meter started: ∫busy dt / ∫threads dt.
 * Both integrals advance whenever either count changes, so resizing does not distort the figure.
 */
export class UtilizationMeter {
  readonly #now: () => number;
  #last: number;
  #busy = 0;
  #threads: number;
  #busyMs = 0;
  #capacityMs = 0;

  /** @param now - clock in ms (injectable for tests). @defaultValue performance.now */
  constructor(threads: number, now: () => number = () => performance.now()) {
    this.#now = now;
    this.#last = now();
    this.#threads = threads;
  }

  /** Record that `busy` threads out of `threads` are running tasks from now on. */
  set(busy: number, threads: number): void {
    this.#advance();
    this.#busy = busy;
    this.#threads = threads;
  }

  /** Busy thread time over available thread time, 0..1 (0 before any time has passed). */
  value(): number {
    this.#advance();
    return this.#capacityMs <= 0 ? 0 : this.#busyMs / this.#capacityMs;
  }

  #advance(): void {
    const t = this.#now();
    const dt = Math.max(0, t - this.#last);
    this.#last = t;
    this.#busyMs += this.#busy * dt;
    // Busy can exceed the target for a while after a shrinking resize (retiring threads finish
    // their task): count those threads as capacity too, so the figure stays within 0..1.
    this.#capacityMs += Math.max(this.#threads, this.#busy) * dt;
  }
}
