/**
 * Embedding providers for the embed stage, and the batcher that feeds them.
 * - `hashEmbedder`: offline, deterministic, lexical (word and word-pair overlap, not meaning);
 * - `httpEmbedder`: any OpenAI-compatible `/v1/embeddings` server (OpenAI, TEI, Ollama, vLLM);
 * - `EmbedBatcher`: coalesces concurrent callers into fuller batches.
 * `worker.ts` runs the hash embedder on a `WorkerPool` thread.
 */
export type { Embedder } from './types.js';
export { hashEmbedder, hashEmbedPacked, HASH_MODEL } from './hash.js';
export type { HashEmbedderOptions } from './hash.js';
export { httpEmbedder } from './http.js';
export type { HttpEmbedder, HttpEmbedderStats } from './http.js';
export type { HttpEmbedderOptions } from './http-options.js';
export { createEmbedder } from './create.js';
export type { EmbedProviderConfig } from './create.js';
export { EmbedBatcher } from './batcher.js';
export type { EmbedBatcherSettings, EmbedBatcherStats, FlushReasons } from './batcher.js';
export { retryAfterMs } from './retry-after.js';
export { planBatches, estimateTokens } from './http-batches.js';
export type { BatchRange } from './http-batches.js';
export type { HashEmbedTask } from './worker.js';
