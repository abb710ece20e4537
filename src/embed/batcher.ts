import { DocflowError, toDocflowError } from '../errors/index.js';
import { assertNonNegativeInteger, assertPositiveInteger, fillDefaults } from '../util/validate.js';
import { abortedError } from './abort.js';
import type { Embedder } from './types.js';

/** Settings of an `EmbedBatcher`; both can be changed live with `tune()`. */
export interface EmbedBatcherSettings {
  /** Most texts in one call to the embedder; a flush happens as soon as this many wait. @defaultValue 64 */
  batchSize: number;
  /** Longest the oldest waiting text waits for company before a smaller batch is sent, ms. @defaultValue 10 */
  batchWaitMs: number;
}

/** Why batches left. */
export interface FlushReasons {
  /** `batchSize` texts were waiting. */
  size: number;
  /** The oldest text had waited `batchWaitMs`. */
  time: number;
  /** `close()` sent what was left. */
  close: number;
}

/** A snapshot of an `EmbedBatcher`. */
export interface EmbedBatcherStats {
  /** Calls to the embedder for batches (isolation re-runs not included). */
  batches: number;
  /** Texts sent in those batches. */
  items: number;
  meanBatchSize: number;
  /** Mean time a text waited in the batcher before its batch left, ms. */
  meanWaitMs: number;
  flushReasons: FlushReasons;
  /** Texts waiting now. */
  pending: number;
  /** Batches at the embedder now. */
  inFlight: number;
  /** Callers re-run alone because a batch they shared was refused (see `EmbedBatcher`). */
  isolatedReruns: number;
}

interface Caller {
  readonly texts: readonly string[];
  readonly out: Float32Array[];
  readonly enqueuedAt: number;
  readonly signal: AbortSignal | undefined;
  remaining: number;
  settled: boolean;
  /** Batches in flight holding some of this caller's texts. */
  readonly batches: Set<Batch>;
  resolve(v: Float32Array[]): void;
  reject(e: DocflowError): void;
  onAbort(): void;
}

/** Texts `caller.texts[start .. end)`, in the queue or in a batch. */
interface Piece { caller: Caller; start: number; end: number }

interface Batch { pieces: Piece[]; ac: AbortController; live: Set<Caller> }

const kDefaults: Readonly<EmbedBatcherSettings> = Object.freeze({ batchSize: 64, batchWaitMs: 10 });

/** Refusals that may be one caller's fault (a text the provider will not take, a bad reply to one input). */
const ISOLATE = new Set(['ERR_EMBED_BAD_RESPONSE', 'ERR_EMBED_PROVIDER', 'ERR_INTERNAL']);

/**
 * Collects texts from concurrent callers (one per document in flight) and sends them to the
 * embedder in batches: as soon as `batchSize` texts wait, or when the oldest has waited
 * `batchWaitMs`, whichever comes first. Fewer, fuller calls are what make a remote model (and its
 * rate limit) go further. Each caller gets its own vectors, in its own order, or its own error:
 * - a caller whose signal fires is rejected with `ERR_ABORTED` at once and its texts leave the
 *   queue; a batch in flight is cancelled only when every caller in it has gone;
 * - when the embedder refuses a batch shared by several callers in a way one text can cause
 *   (`ERR_EMBED_BAD_RESPONSE`, a non-retryable `ERR_EMBED_PROVIDER`), each caller's texts are sent
 *   again alone, so only the caller at fault fails. Other failures (auth, rate limits after the
 *   provider's own retries, dimension) fail every caller in the batch: they would fail alone too.
 * A caller's texts may span batches. The batcher does not own the embedder: closing it leaves the
 * embedder open.
 */
export class EmbedBatcher {
  readonly #embedder: Embedder;
  readonly #settings: EmbedBatcherSettings;
  readonly #queue: Piece[] = [];
  readonly #inFlight = new Set<Promise<void>>();
  #pending = 0;
  #timer: NodeJS.Timeout | undefined;
  #closing: Promise<void> | undefined;
  #batches = 0;
  #items = 0;
  #waitTotalMs = 0;
  #isolated = 0;
  readonly #reasons: FlushReasons = { size: 0, time: 0, close: 0 };

  constructor(embedder: Embedder, settings: Partial<EmbedBatcherSettings> = {}) {
    if (typeof embedder?.embed !== 'function') throw new TypeError('embedder must be an Embedder');
    const s = fillDefaults<EmbedBatcherSettings>(kDefaults, settings);
    assertPositiveInteger('settings.batchSize', s.batchSize);
    assertNonNegativeInteger('settings.batchWaitMs', s.batchWaitMs);
    this.#embedder = embedder;
    this.#settings = s;
  }

  /** One vector per text, in order; rejects with `ERR_ABORTED` when `signal` fires. */
  embed(texts: readonly string[], signal?: AbortSignal): Promise<Float32Array[]> {
    if (this.#closing) return Promise.reject(new DocflowError('ERR_ABORTED', 'the embed batcher is closed; the work can be retried'));
    if (signal?.aborted) return Promise.reject(abortedError(signal));
    if (texts.length === 0) return Promise.resolve([]);
    return new Promise<Float32Array[]>((resolve, reject) => {
      const caller: Caller = {
        texts, out: new Array<Float32Array>(texts.length), enqueuedAt: performance.now(), signal,
        remaining: texts.length, settled: false, batches: new Set(), resolve, reject,
        onAbort: () => this.#abandon(caller),
      };
      signal?.addEventListener('abort', caller.onAbort, { once: true });
      this.#queue.push({ caller, start: 0, end: texts.length });
      this.#pending += texts.length;
      this.#schedule();
    });
  }

  /** Change settings live; what is waiting is re-checked against them at once. Returns the settings now in force. */
  tune(patch: Partial<EmbedBatcherSettings>): EmbedBatcherSettings {
    const next = fillDefaults<EmbedBatcherSettings>(this.#settings, patch);
    for (const key of Object.keys(patch ?? {})) {
      if (!(key in kDefaults)) throw new DocflowError('ERR_TUNE_INVALID', `unknown embed batcher setting "${key}"; use batchSize or batchWaitMs`);
    }
    if (!Number.isSafeInteger(next.batchSize) || next.batchSize < 1) throw new DocflowError('ERR_TUNE_INVALID', `batchSize must be a positive integer (got ${String(next.batchSize)})`);
    if (!Number.isSafeInteger(next.batchWaitMs) || next.batchWaitMs < 0) throw new DocflowError('ERR_TUNE_INVALID', `batchWaitMs must be a non-negative integer (got ${String(next.batchWaitMs)})`);
    Object.assign(this.#settings, next);
    this.#clearTimer();
    this.#schedule();
    return this.settings;
  }

  /** The settings in force (a copy). */
  get settings(): EmbedBatcherSettings {
    return { ...this.#settings };
  }

  stats(): EmbedBatcherStats {
    return {
      batches: this.#batches,
      items: this.#items,
      meanBatchSize: this.#batches === 0 ? 0 : this.#items / this.#batches,
      meanWaitMs: this.#items === 0 ? 0 : this.#waitTotalMs / this.#items,
      flushReasons: { ...this.#reasons },
      pending: this.#pending,
      inFlight: this.#inFlight.size,
      isolatedReruns: this.#isolated,
    };
  }

  /** Sends what is waiting, waits for every batch in flight, then refuses new texts. Idempotent. */
  close(): Promise<void> {
    this.#closing ??= (async () => {
      this.#clearTimer();
      while (this.#pending > 0) this.#flush('close');
      await Promise.allSettled([...this.#inFlight]);
    })();
    return this.#closing;
  }

  [Symbol.asyncDispose](): Promise<void> {
    return this.close();
  }

  /** Flush every full batch, then arm the timer for the oldest text left. */
  #schedule(): void {
    while (this.#pending >= this.#settings.batchSize) this.#flush('size');
    if (this.#pending === 0) {
      this.#clearTimer();
      return;
    }
    if (this.#timer !== undefined) return;
    const oldest = (this.#queue[0] as Piece).caller.enqueuedAt;
    const due = Math.max(0, oldest + this.#settings.batchWaitMs - performance.now());
    this.#timer = setTimeout(() => {
      this.#timer = undefined;
      if (this.#pending > 0) this.#flush('time');
      this.#schedule();
    }, due);
  }

  #clearTimer(): void {
    if (this.#timer !== undefined) clearTimeout(this.#timer);
    this.#timer = undefined;
  }

  /** Take up to `batchSize` texts off the front of the queue and send them. */
  #flush(reason: keyof FlushReasons): void {
    const now = performance.now();
    const pieces: Piece[] = [];
    let room = this.#settings.batchSize;
    while (room > 0 && this.#queue.length > 0) {
      const head = this.#queue[0] as Piece;
      const n = Math.min(room, head.end - head.start);
      pieces.push({ caller: head.caller, start: head.start, end: head.start + n });
      this.#waitTotalMs += n * (now - head.caller.enqueuedAt);
      head.start += n;
      if (head.start === head.end) this.#queue.shift();
      room -= n;
    }
    const size = this.#settings.batchSize - room;
    this.#pending -= size;
    this.#batches++;
    this.#items += size;
    this.#reasons[reason]++;
    const batch: Batch = { pieces, ac: new AbortController(), live: new Set(pieces.map((p) => p.caller)) };
    for (const c of batch.live) c.batches.add(batch);
    const run = this.#run(batch);
    this.#inFlight.add(run);
    void run.finally(() => this.#inFlight.delete(run));
  }

  async #run(batch: Batch): Promise<void> {
    try {
      const vectors = await this.#call(batch.pieces, batch.ac.signal);
      this.#deliver(batch.pieces, vectors);
    } catch (err) {
      const e = toDocflowError(err);
      const live = [...batch.live].filter((c) => !c.settled);
      if (live.length > 1 && ISOLATE.has(e.code) && !e.retryable) await this.#isolate(batch, live);
      else for (const c of live) this.#fail(c, e);
    } finally {
      for (const c of batch.live) c.batches.delete(batch);
    }
  }

  /** Re-run each caller's share of a refused batch alone. */
  async #isolate(batch: Batch, callers: Caller[]): Promise<void> {
    await Promise.all(callers.map(async (c) => {
      const mine = batch.pieces.filter((p) => p.caller === c);
      this.#isolated++;
      try {
        this.#deliver(mine, await this.#call(mine, c.signal));
      } catch (err) {
        this.#fail(c, toDocflowError(err));
      }
    }));
  }

  /** One embedder call for `pieces`, with the count checked. */
  async #call(pieces: Piece[], signal: AbortSignal | undefined): Promise<Float32Array[]> {
    const texts: string[] = [];
    for (const p of pieces) for (let i = p.start; i < p.end; i++) texts.push(p.caller.texts[i] as string);
    const vectors = await this.#embedder.embed(texts, signal);
    if (!Array.isArray(vectors) || vectors.length !== texts.length) {
      throw new DocflowError('ERR_EMBED_BAD_RESPONSE', `the embedder returned ${Array.isArray(vectors) ? vectors.length : 'no'} vectors for ${texts.length} texts`);
    }
    return vectors;
  }

  #deliver(pieces: Piece[], vectors: Float32Array[]): void {
    let k = 0;
    for (const p of pieces) {
      const c = p.caller;
      for (let i = p.start; i < p.end; i++) c.out[i] = vectors[k++] as Float32Array;
      if (c.settled) continue;
      c.remaining -= p.end - p.start;
      if (c.remaining === 0) {
        this.#settle(c);
        c.resolve(c.out);
      }
    }
  }

  #fail(c: Caller, e: DocflowError): void {
    if (c.settled) return;
    this.#settle(c);
    c.reject(e);
  }

  #settle(c: Caller): void {
    c.settled = true;
    c.signal?.removeEventListener('abort', c.onAbort);
  }

  /** A caller gave up: reject it now, drop its waiting texts, cancel batches nobody else needs. */
  #abandon(c: Caller): void {
    if (c.settled) return;
    this.#fail(c, abortedError(c.signal));
    for (let i = this.#queue.length - 1; i >= 0; i--) {
      const p = this.#queue[i] as Piece;
      if (p.caller !== c) continue;
      this.#pending -= p.end - p.start;
      this.#queue.splice(i, 1);
    }
    for (const b of c.batches) {
      b.live.delete(c);
      if (b.live.size === 0) b.ac.abort(abortedError(c.signal));
    }
    // The timer may have been armed for this caller's texts; re-arm it for the oldest left.
    this.#clearTimer();
    this.#schedule();
  }
}
