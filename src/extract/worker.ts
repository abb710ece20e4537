/**
 * Worker module for the extract stage's `WorkerPool`: each task is a document (its bytes, name and
 * MIME type) plus optional limits; failures travel back as `ERR_EXTRACT_*` error data.
 */
import { defineWorker } from '../pool/worker-entry.js';
import { extract } from './extract.js';
import type { ExtractInput, ExtractOptions } from './types.js';

/** One extraction task. */
export type ExtractTask = ExtractInput & { options?: Partial<ExtractOptions> };

export default defineWorker((task: ExtractTask) => extract(task, task.options));
