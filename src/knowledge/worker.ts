/**
 * Worker module for the knowledge stage's `WorkerPool`: tagging text is CPU work (tens of
 * milliseconds per chunk), so it runs off the event loop. Each task is one document's chunks.
 */
import { defineWorker } from '../pool/worker-entry.js';
import { extractKnowledge } from './extract.js';
import type { KnowledgeChunk, KnowledgeOptions } from './types.js';

/** One extraction task: a document's chunks and the extractor's options. */
export interface KnowledgeTask {
  chunks: KnowledgeChunk[];
  options?: KnowledgeOptions;
}

export default defineWorker((task: KnowledgeTask) => extractKnowledge(task.chunks, task.options));
