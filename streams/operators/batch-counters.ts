/** Why a batch was flushed. */
export type FlushReason = 'size' | 'time' | 'bytes' | 'complete';

/** Every flush reason, in a stable order. */
export const FLUSH_REASONS: readonly FlushReason[] = Object.freeze(['size', 'time', 'bytes', 'complete'] as const);

/** A snapshot of a batcher's counters, since construction. */
export interface BatchStats {
  batches: number;
  items: number;
  /** Items per batch, on average (0 before the first batch). */
  meanBatchSize: number;
  flushes: Record<FlushReason, number>;
  /** How long the first item of each batch waited for its flush, ms (0 before the first batch). */
  firstItemWaitMs: { mean: number; max: number };
}

/**
 * Counters of emitted batches. One instance may be shared by several subscriptions of the operator
 * (e.g. across restarts of a stage) and keeps counting.
 */
export class BatchCounters {
  #batches = 0;
  #items = 0;
  #waitTotalMs = 0;
  #waitMaxMs = 0;
  readonly #flushes: Record<FlushReason, number> = { size: 0, time: 0, bytes: 0, complete: 0 };

  /** One batch of `size` items flushed for `reason`, its first item having waited `firstItemWaitMs`. */
  record(size: number, reason: FlushReason, firstItemWaitMs: number): void {
    this.#batches++;
    this.#items += size;
    this.#flushes[reason]++;
    this.#waitTotalMs += firstItemWaitMs;
    this.#waitMaxMs = Math.max(this.#waitMaxMs, firstItemWaitMs);
  }

  stats(): BatchStats {
    const n = this.#batches;
    return {
      batches: n,
      items: this.#items,
      meanBatchSize: n === 0 ? 0 : this.#items / n,
      flushes: { ...this.#flushes },
      firstItemWaitMs: { mean: n === 0 ? 0 : this.#waitTotalMs / n, max: this.#waitMaxMs },
    };
  }
}
