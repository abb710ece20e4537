/** The RxJS pipelines and operators of the stages. Explicit exports, grouped by operator. */

// batch: flush at N items, T ms after the first item, or before maxBytes
export { batch, type BatchOptions } from './operators/batch.js';
export { BatchProcessor } from './operators/batch-processor.js';
export { BatchCounters, FLUSH_REASONS, type BatchStats, type FlushReason } from './operators/batch-counters.js';
export { DEFAULT_BATCH_SETTINGS, fillBatchSettings, type BatchSettings } from './operators/batch-settings.js';
export { byteSize } from './operators/byte-size.js';
