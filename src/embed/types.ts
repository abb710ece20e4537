/**
 * What the embed stage needs from a model: text in, one vector per text out. Providers (the built-in
 * lexical hash, any OpenAI-compatible HTTP server) implement it; `EmbedBatcher` wraps any of them.
 */
export interface Embedder {
  /**
   * Stable model id. With `dimension` it names the vector collection, so vectors of two models (or of
   * one model at two dimensions) never mix in one index.
   */
  readonly model: string;
  /** Length of every vector. An HTTP embedder not told its dimension reports 0 until its first reply. */
  readonly dimension: number;
  /**
   * One vector per text, in the order of `texts`. Rejects with a `DocflowError` (`ERR_EMBED_*`, or
   * `ERR_ABORTED` when `signal` fires); `embed([])` resolves to `[]` without calling the model.
   */
  embed(texts: readonly string[], signal?: AbortSignal): Promise<Float32Array[]>;
  /** Releases what the provider holds (connections, in-flight requests). Idempotent. */
  close?(): Promise<void>;
}
