/**
 * Worker module for a `WorkerPool` that runs the hash embedder off the main thread:
 * `new WorkerPool({ filename: new URL('../embed/worker.js', import.meta.url) })`, then
 * `pool.run<Float32Array>({ texts, dimension })`. The reply is all vectors in one Float32Array
 * (`texts.length × dimension`), a single buffer to copy or transfer rather than one per text.
 */
import { defineWorker } from '../pool/worker-entry.js';
import { hashEmbedPacked } from './hash.js';

/** One task: the texts and the vector length. */
export interface HashEmbedTask {
  texts: string[];
  dimension: number;
}

export default defineWorker((task: HashEmbedTask) => hashEmbedPacked(task.texts, task.dimension));
