import { RateWindow } from '../util/rate-window.js';
import type { Priority } from './priority.js';

/** A snapshot of a scheduler's counters. Counts are since construction. */
export interface SchedulerStats {
  /** Tasks accepted by `submit` (rejected submissions are not counted). */
  submitted: number;
  /** Tasks that succeeded. */
  completed: number;
  /** Tasks whose last attempt failed (not retryable, out of attempts, or failed while closing). */
  failed: number;
  /** Tasks cancelled: by their caller's signal, or still waiting when the scheduler closed. */
  cancelled: number;
  /** Retries scheduled (a task retried twice counts 2). */
  retried: number;
  /** Attempts that ran past `timeoutMs`. */
  timedOut: number;
  /** Tasks waiting at each level. */
  queued: Record<Priority, number>;
  /** Tasks waiting for their retry backoff to pass. */
  backingOff: number;
  /** Attempts running now. */
  running: number;
  /** Tasks completed per second over the last `windowMs` (10 s). */
  throughputPerSec: number;
  /** Mean duration of the successful attempts of the last window, ms. */
  meanProcessingMs: number;
}

type Counter = 'submitted' | 'completed' | 'failed' | 'cancelled' | 'retried' | 'timedOut';

/** The scheduler's counters and its sliding window of completions. */
export class SchedulerCounters {
  readonly #counts: Record<Counter, number> = { submitted: 0, completed: 0, failed: 0, cancelled: 0, retried: 0, timedOut: 0 };
  readonly #window: RateWindow;

  /** @param windowMs Width of the throughput window, ms. */
  constructor(now: () => number, windowMs = 10_000) {
    this.#window = new RateWindow(windowMs, 1_000, now);
  }

  add(counter: Counter): void {
    this.#counts[counter]++;
  }

  /** A task succeeded after an attempt of `durationMs`. */
  completed(durationMs: number): void {
    this.#counts.completed++;
    this.#window.record(durationMs);
  }

  snapshot(live: { queued: Record<Priority, number>; backingOff: number; running: number }): SchedulerStats {
    return { ...this.#counts, ...live, throughputPerSec: this.#window.rate(), meanProcessingMs: this.#window.meanMs() };
  }
}
