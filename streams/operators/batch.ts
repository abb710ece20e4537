import { Observable, asyncScheduler, isObservable, type OperatorFunction, type SchedulerLike } from 'rxjs';
import { BatchBuffer } from './batch-buffer.js';
import type { BatchCounters } from './batch-counters.js';
import { DEFAULT_BATCH_SETTINGS, fillBatchSettings, type BatchSettings } from './batch-settings.js';
import { byteSize } from './byte-size.js';

/** What `batch()` needs besides its settings; fixed for the life of the operator. */
export interface BatchOptions<T> {
  /** Bytes of one item, for `maxBytes` (called only while `maxBytes` > 0). @defaultValue byteSize (binary or UTF-8 string) */
  sizeOf?: (item: T) => number;
  /** Clock and timers. @defaultValue asyncScheduler (virtual time inside `TestScheduler.run`) */
  scheduler?: SchedulerLike;
  /** Counted into, if given (batches, items, flush reasons, first-item wait). */
  counters?: BatchCounters;
}

/**
 * Groups items into arrays, flushing at `batchSize` items or `batchWaitMs` after the **first item**
 * of the batch, whichever comes first (unlike `bufferTime`, whose clock ticks regardless: here an
 * idle stream schedules nothing and a lone item waits at most `batchWaitMs`). With `maxBytes` a batch
 * is flushed before an item would take it past the limit. On completion the open batch is flushed;
 * on error it is dropped (nothing was acknowledged) and the error passes on.
 *
 * Settings are a plain object, fixed, or an `Observable` of partial settings for run-time tuning:
 * each emission is merged over the settings in force (the first over the defaults) and applies to
 * the open batch at once. It must emit before the first item (a `BehaviorSubject` does). A bad
 * emission errors the stream with a `TypeError`; a bad fixed object throws at once.
 */
export function batch<T>(
  settings: Partial<BatchSettings> | Observable<Partial<BatchSettings>> = {},
  options: BatchOptions<T> = {},
): OperatorFunction<T, T[]> {
  const sizeOf = options.sizeOf ?? (byteSize as (item: T) => number);
  if (typeof sizeOf !== 'function') throw new TypeError('options.sizeOf must be a function');
  const scheduler = options.scheduler ?? asyncScheduler;
  const counters = options.counters;
  const fixed = isObservable(settings) ? undefined : fillBatchSettings(settings);

  return (source) =>
    new Observable<T[]>((subscriber) => {
      const buffer = new BatchBuffer<T>(scheduler, sizeOf, (items, reason, waitMs) => {
        counters?.record(items.length, reason, waitMs);
        subscriber.next(items);
      });
      const fail = (err: unknown): void => {
        buffer.dispose();
        subscriber.error(err);
      };
      // A throwing sizeOf or a bad settings emission ends the stream as an error, not an exception.
      const guard = <A extends unknown[]>(fn: (...args: A) => void) => (...args: A): void => {
        try {
          fn(...args);
        } catch (err) {
          fail(err);
        }
      };
      if (fixed) buffer.apply(fixed);
      if (isObservable(settings)) {
        subscriber.add(settings.subscribe({
          next: guard((patch: Partial<BatchSettings>) => buffer.apply(fillBatchSettings(patch, buffer.settings ?? DEFAULT_BATCH_SETTINGS))),
          error: fail,
        }));
      }
      subscriber.add(source.subscribe({
        next: guard((item: T) => buffer.add(item)),
        error: fail,
        complete: guard(() => {
          buffer.flush('complete');
          subscriber.complete();
        }),
      }));
      return () => buffer.dispose();
    });
}
