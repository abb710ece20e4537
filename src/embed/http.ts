import { setMaxListeners } from 'node:events';
import { DocflowError, toDocflowError } from '../errors/index.js';
import { retryDelayMs } from '../util/backoff.js';
import { abortedError, sleep } from './abort.js';
import { AdaptiveLimiter } from './aimd.js';
import { planBatches } from './http-batches.js';
import { judge, type FailureContext } from './http-failure.js';
import { embeddingsEndpoint, fillHttpEmbedderOptions, type FilledHttpEmbedderOptions, type HttpEmbedderOptions } from './http-options.js';
import { postOnce } from './http-request.js';
import { parseEmbeddings } from './http-response.js';
import type { Embedder } from './types.js';

/** Counters of an HTTP embedder, for `docflow status` and tests. */
export interface HttpEmbedderStats {
  /** HTTP requests sent (retries included). */
  requests: number;
  /** Requests sent again after a 429, 5xx, timeout or network error. */
  retries: number;
  /** 429 replies received. */
  rateLimited: number;
  /** Requests allowed in flight now (adapts between 1 and `maxConcurrency`). */
  concurrency: number;
  /** Requests in flight now. */
  inFlight: number;
  /** Times the concurrency limit was halved. */
  concurrencyDecreases: number;
}

/** An `Embedder` over an OpenAI-compatible `/embeddings` endpoint, with its counters. */
export interface HttpEmbedder extends Embedder {
  stats(): HttpEmbedderStats;
  close(): Promise<void>;
}

/** Backoff jitter: each delay is spread over ±50% so that clients that failed together do not retry together. */
const JITTER = 0.5;

/**
 * A client of any OpenAI-compatible embeddings API (OpenAI, Hugging Face TEI, Ollama, vLLM): texts
 * are cut into requests by count and by estimated tokens, sent with an adaptive concurrency limit,
 * retried on overload and transient failures, and put back in input order. See
 * `HttpEmbedderOptions` for the knobs and `judge` for what is retried.
 */
export function httpEmbedder(opts: Partial<HttpEmbedderOptions> & { url: string; model: string }): HttpEmbedder {
  return new HttpEmbedderClient(fillHttpEmbedderOptions(opts));
}

class HttpEmbedderClient implements HttpEmbedder {
  readonly model: string;
  readonly #o: FilledHttpEmbedderOptions;
  readonly #endpoint: string;
  readonly #headers: Readonly<Record<string, string>>;
  readonly #ctx: FailureContext;
  readonly #limiter: AdaptiveLimiter;
  /** Fires on close(): every request in flight stops. */
  readonly #closed = new AbortController();
  readonly #running = new Set<Promise<unknown>>();
  #dimension: number | undefined;
  #closing: Promise<void> | undefined;
  #requests = 0;
  #retries = 0;
  #rateLimited = 0;

  constructor(o: FilledHttpEmbedderOptions) {
    this.#o = o;
    this.model = o.model;
    this.#dimension = o.dimension;
    this.#endpoint = embeddingsEndpoint(o.url);
    const headers: Record<string, string> = { 'content-type': 'application/json', accept: 'application/json' };
    if (o.apiKey !== undefined && o.apiKey !== '') headers.authorization = `Bearer ${o.apiKey}`;
    this.#headers = Object.freeze(headers);
    const shown = new URL(this.#endpoint);
    const key = o.apiKey;
    this.#ctx = {
      where: `${shown.protocol}//${shown.host}${shown.pathname}`,
      timeoutMs: o.timeoutMs,
      retryMaxDelayMs: o.retryMaxDelayMs,
      scrub: (text) => (key ? text.split(key).join('***') : text),
    };
    this.#limiter = new AdaptiveLimiter(o.maxConcurrency);
    // One listener per concurrent call: many is normal here, not a leak.
    setMaxListeners(0, this.#closed.signal);
  }

  get dimension(): number {
    return this.#dimension ?? 0;
  }

  embed(texts: readonly string[], signal?: AbortSignal): Promise<Float32Array[]> {
    if (this.#closing) return Promise.reject(new DocflowError('ERR_ABORTED', 'the embedder is closed; embed with a new one'));
    if (signal?.aborted) return Promise.reject(abortedError(signal));
    if (texts.length === 0) return Promise.resolve([]);
    const p = this.#embedAll(texts, signal);
    this.#running.add(p);
    void p.then(() => this.#running.delete(p), () => this.#running.delete(p));
    return p;
  }

  stats(): HttpEmbedderStats {
    return {
      requests: this.#requests,
      retries: this.#retries,
      rateLimited: this.#rateLimited,
      concurrency: this.#limiter.limit,
      inFlight: this.#limiter.inFlight,
      concurrencyDecreases: this.#limiter.decreases,
    };
  }

  /** Stops every request in flight (their callers get `ERR_ABORTED`) and refuses new ones. Idempotent. */
  close(): Promise<void> {
    this.#closing ??= (async () => {
      this.#closed.abort(new DocflowError('ERR_ABORTED', 'the embedder was closed while embedding; the work can be retried'));
      await Promise.allSettled([...this.#running]);
    })();
    return this.#closing;
  }

  [Symbol.asyncDispose](): Promise<void> {
    return this.close();
  }

  async #embedAll(texts: readonly string[], signal: AbortSignal | undefined): Promise<Float32Array[]> {
    // One signal for the call: the caller's, close(), or the first batch that fails for good
    // (its siblings stop rather than spend requests on a result nobody will read).
    const ac = new AbortController();
    // Every batch of the call listens to it while it waits for a slot, sends or sleeps.
    setMaxListeners(0, ac.signal);
    const sources = [signal, this.#closed.signal].filter((s): s is AbortSignal => s !== undefined);
    const onAbort = (e: Event): void => ac.abort((e.target as AbortSignal).reason);
    for (const s of sources) {
      if (s.aborted) ac.abort(s.reason);
      else s.addEventListener('abort', onAbort, { once: true });
    }
    const out = new Array<Float32Array>(texts.length);
    try {
      await Promise.all(planBatches(texts, this.#o.maxBatchItems, this.#o.maxBatchTokens).map(async ({ start, end }) => {
        try {
          const vectors = await this.#embedBatch(texts.slice(start, end), ac.signal);
          for (let i = 0; i < vectors.length; i++) out[start + i] = vectors[i] as Float32Array;
        } catch (err) {
          const e = toDocflowError(err);
          ac.abort(e);
          throw e;
        }
      }));
    } finally {
      for (const s of sources) s.removeEventListener('abort', onAbort);
    }
    return out;
  }

  /** One request's texts, with retries. */
  async #embedBatch(texts: readonly string[], signal: AbortSignal): Promise<Float32Array[]> {
    const payload = JSON.stringify({ model: this.model, input: texts });
    for (let attempt = 0; ; attempt++) {
      const permit = await this.#limiter.acquire(signal);
      let result;
      try {
        this.#requests++;
        result = await postOnce(this.#endpoint, this.#headers, payload, this.#o.timeoutMs, signal);
      } catch (err) {
        permit.release();
        throw err;
      }
      // The limit is adjusted before the slot is freed, so a halving takes effect before any
      // waiting request is let through.
      if (result.kind === 'ok') {
        this.#limiter.onSuccess();
        permit.release();
        const vectors = parseEmbeddings(result.body, texts.length, this.#dimension);
        this.#dimension ??= vectors[0]?.length;
        return vectors;
      }
      const verdict = judge(result, this.#ctx);
      if (result.kind === 'http' && result.status === 429) this.#rateLimited++;
      if (verdict.congested) this.#limiter.onCongestion(permit);
      permit.release();
      if (!verdict.retry) throw verdict.error;
      if (attempt >= this.#o.maxRetries) {
        const e = verdict.error;
        throw new DocflowError(e.code, `${e.message} (gave up after ${attempt + 1} attempts)`, { cause: e.cause, details: { ...(e.details as object), attempts: attempt + 1 } });
      }
      this.#retries++;
      const delay = verdict.delayMs ?? retryDelayMs(attempt + 1, this.#o.retryBaseDelayMs, this.#o.retryMaxDelayMs, JITTER);
      await sleep(delay, signal);
    }
  }
}
