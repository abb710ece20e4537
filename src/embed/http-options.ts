import {
  assertNonEmptyString, assertNonNegativeInteger, assertPositiveInteger, fillDefaults,
} from '../util/validate.js';

/**
 * Options of an OpenAI-compatible embeddings client (OpenAI, Hugging Face TEI, Ollama, vLLM,
 * LocalAI...). Only `url` and `model` are required.
 */
export interface HttpEmbedderOptions {
  /** Base URL of the API, e.g. `http://127.0.0.1:8080/v1`; requests go to `POST {url}/embeddings`. */
  url: string;
  /** Model name sent in each request; also the embedder's `model` id. */
  model: string;
  /**
   * Expected vector length: every reply is checked against it. When left out, the first reply sets
   * it and later replies are checked against that. @defaultValue learned
   */
  dimension?: number;
  /** Sent as `Authorization: Bearer …`; never logged nor put in an error. @defaultValue none */
  apiKey?: string;
  /** Most texts in one request. @defaultValue 64 */
  maxBatchItems: number;
  /**
   * Most estimated tokens (characters / 4) in one request; a single text over it is sent alone
   * (the provider decides whether to truncate or refuse it). @defaultValue 8192
   */
  maxBatchTokens: number;
  /**
   * Most requests in flight at once. The client starts here, halves on 429 or 503, and adds one
   * back after a run of successes (never below 1, never above this). @defaultValue 4
   */
  maxConcurrency: number;
  /** Longest one request (headers and body) may take, ms; past it the request is retried. @defaultValue 30000 */
  timeoutMs: number;
  /** Retries of one request after a 429, 5xx, timeout or network error; 0 = none. @defaultValue 5 */
  maxRetries: number;
  /** First retry delay, ms; doubled each retry, with ±50% jitter. @defaultValue 250 */
  retryBaseDelayMs: number;
  /** Longest retry delay, ms; also caps a server's `Retry-After`. @defaultValue 30000 */
  retryMaxDelayMs: number;
}

/** Options with every default filled in. */
export type FilledHttpEmbedderOptions = HttpEmbedderOptions;

const kDefaults = Object.freeze({
  maxBatchItems: 64,
  maxBatchTokens: 8192,
  maxConcurrency: 4,
  timeoutMs: 30_000,
  maxRetries: 5,
  retryBaseDelayMs: 250,
  retryMaxDelayMs: 30_000,
});

/** Validate (a `TypeError` names the first bad field) and fill in the defaults. */
export function fillHttpEmbedderOptions(opts: Partial<HttpEmbedderOptions> & { url: string; model: string }): FilledHttpEmbedderOptions {
  if (typeof opts !== 'object' || opts === null) throw new TypeError('options must be an object');
  const o = fillDefaults<HttpEmbedderOptions>({ ...kDefaults, url: '', model: '' }, opts);
  assertNonEmptyString('options.url', o.url);
  let parsed: URL;
  try {
    parsed = new URL(o.url);
  } catch {
    throw new TypeError('options.url must be an http(s) URL');
  }
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') throw new TypeError('options.url must be an http(s) URL');
  assertNonEmptyString('options.model', o.model);
  if (o.dimension !== undefined) assertPositiveInteger('options.dimension', o.dimension);
  if (o.apiKey !== undefined && typeof o.apiKey !== 'string') throw new TypeError('options.apiKey must be a string');
  assertPositiveInteger('options.maxBatchItems', o.maxBatchItems);
  assertPositiveInteger('options.maxBatchTokens', o.maxBatchTokens);
  assertPositiveInteger('options.maxConcurrency', o.maxConcurrency);
  assertPositiveInteger('options.timeoutMs', o.timeoutMs);
  assertNonNegativeInteger('options.maxRetries', o.maxRetries);
  assertNonNegativeInteger('options.retryBaseDelayMs', o.retryBaseDelayMs);
  assertNonNegativeInteger('options.retryMaxDelayMs', o.retryMaxDelayMs);
  if (o.retryMaxDelayMs < o.retryBaseDelayMs) throw new TypeError('options.retryMaxDelayMs must be at least options.retryBaseDelayMs');
  return o;
}

/** `{url}/embeddings`, whatever trailing slashes `url` has. */
export function embeddingsEndpoint(url: string): string {
  return `${url.replace(/\/+$/, '')}/embeddings`;
}
