import type { SchedulerLike, Subscription } from 'rxjs';
import type { FlushReason } from './batch-counters.js';
import type { BatchSettings } from './batch-settings.js';

/** Where a flushed batch goes: the items, why, and how long the first of them waited (ms). */
export type FlushSink<T> = (items: T[], reason: FlushReason, firstItemWaitMs: number) => void;

/**
 * The open batch of one subscription of `batch()`: its items, their bytes, and the timer started by
 * its first item. Settings can change while a batch is open; they apply to it at once.
 */
export class BatchBuffer<T> {
  #settings: BatchSettings | undefined;
  #items: T[] = [];
  #bytes = 0;
  #firstAt = 0;
  #timer: Subscription | undefined;

  constructor(
    private readonly scheduler: SchedulerLike,
    private readonly sizeOf: (item: T) => number,
    private readonly sink: FlushSink<T>,
  ) {}

  get settings(): BatchSettings | undefined {
    return this.#settings;
  }

  /** Add one item, flushing before it when it would overflow `maxBytes`, and after it when full. */
  add(item: T): void {
    const s = this.#settings;
    if (s === undefined) throw new TypeError('batch: no settings yet: the settings observable must emit before the first item (a BehaviorSubject does)');
    const size = s.maxBytes > 0 ? this.#measure(item) : 0;
    if (this.#items.length > 0 && s.maxBytes > 0 && this.#bytes + size > s.maxBytes) this.flush('bytes');
    this.#items.push(item);
    this.#bytes += size;
    if (this.#items.length === 1) this.#firstAt = this.scheduler.now();
    if (!this.#flushIfFull() && this.#items.length === 1) this.#arm();
  }

  /**
   * New settings, applied to the open batch at once: it is flushed if it is now full, otherwise its
   * timer is moved to `firstItem + batchWaitMs` of the new settings.
   */
  apply(settings: BatchSettings): void {
    const before = this.#settings;
    this.#settings = settings;
    // Items added while there was no byte limit were not measured: measure them now.
    if (settings.maxBytes > 0 && (before === undefined || before.maxBytes === 0)) {
      this.#bytes = this.#items.reduce((sum, item) => sum + this.#measure(item), 0);
    }
    if (this.#items.length === 0 || this.#flushIfFull()) return;
    this.#arm();
  }

  /** Emit the open batch, if any, and stop its timer. */
  flush(reason: FlushReason): void {
    this.#timer?.unsubscribe();
    this.#timer = undefined;
    if (this.#items.length === 0) return;
    const items = this.#items;
    this.#items = [];
    this.#bytes = 0;
    this.sink(items, reason, this.scheduler.now() - this.#firstAt);
  }

  /** Drop the open batch and its timer (error or unsubscribe). */
  dispose(): void {
    this.#timer?.unsubscribe();
    this.#timer = undefined;
    this.#items = [];
    this.#bytes = 0;
  }

  #flushIfFull(): boolean {
    const s = this.#settings!;
    if (this.#items.length >= s.batchSize) this.flush('size');
    // Full at the limit, not only past it: an oversized lone item leaves at once instead of waiting.
    else if (s.maxBytes > 0 && this.#bytes >= s.maxBytes) this.flush('bytes');
    else return false;
    return true;
  }

  #arm(): void {
    this.#timer?.unsubscribe();
    const delay = Math.max(0, this.#firstAt + this.#settings!.batchWaitMs - this.scheduler.now());
    this.#timer = this.scheduler.schedule(() => {
      this.#timer = undefined;
      this.flush('time');
    }, delay);
  }

  #measure(item: T): number {
    const size = this.sizeOf(item);
    if (typeof size !== 'number' || !Number.isFinite(size) || size < 0) throw new TypeError(`batch: sizeOf must return a non-negative number (got ${String(size)})`);
    return size;
  }
}
