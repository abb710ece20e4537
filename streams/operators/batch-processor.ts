import { BehaviorSubject, type OperatorFunction } from 'rxjs';
import { DocflowError } from '../../src/errors/index.js';
import { batch, type BatchOptions } from './batch.js';
import { BatchCounters, type BatchStats } from './batch-counters.js';
import { fillBatchSettings, type BatchSettings } from './batch-settings.js';

/**
 * The batch processor of a stage: `batch()` with its settings and counters in one place, so that
 * `docflow.control.tune` can change `batchSize`, `batchWaitMs` or `maxBytes` while the stream runs
 * and `docflow.status` can read the counters. Every `operator()` follows the same settings.
 */
export class BatchProcessor<T> {
  readonly #settings: BehaviorSubject<BatchSettings>;
  readonly #counters = new BatchCounters();
  readonly #options: Omit<BatchOptions<T>, 'counters'>;

  /** @throws TypeError naming the first bad setting. */
  constructor(settings: Partial<BatchSettings> = {}, options: Omit<BatchOptions<T>, 'counters'> = {}) {
    this.#settings = new BehaviorSubject(fillBatchSettings(settings));
    this.#options = options;
  }

  /** The settings in force. */
  get settings(): Readonly<BatchSettings> {
    return this.#settings.value;
  }

  /**
   * Change some settings; the open batches of every running `operator()` follow at once.
   * Returns the settings now in force.
   * @throws DocflowError `ERR_TUNE_INVALID` naming the key (the settings are left unchanged).
   */
  tune(patch: Partial<BatchSettings>): BatchSettings {
    let next: BatchSettings;
    try {
      next = fillBatchSettings(patch, this.#settings.value);
    } catch (err) {
      throw new DocflowError('ERR_TUNE_INVALID', (err as Error).message, { cause: err });
    }
    this.#settings.next(next);
    return { ...next };
  }

  /** The batching operator, following this processor's settings and counting into its counters. */
  operator(): OperatorFunction<T, T[]> {
    return batch<T>(this.#settings, { ...this.#options, counters: this.#counters });
  }

  stats(): BatchStats {
    return this.#counters.stats();
  }
}
