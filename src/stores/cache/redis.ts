/**
 * The cache's L2 in Redis (ioredis). Values are opaque bytes under `${keyPrefix}v:${key}` with a
 * per-entry PX expiry; each tag is a sorted set `${keyPrefix}t:${tag}` of the value keys carrying it,
 * scored by their expiry, so members of expired entries are pruned as new ones arrive.
 * A read is one GET (MGET for many keys): the time an entry has left travels inside the value.
 * The client never queues commands while disconnected: a command fails at once and the caller
 * degrades to its other levels until Redis answers again.
 */
import { Redis, type RedisOptions } from 'ioredis';
import { DocflowError } from '../../errors/index.js';
import { redactUrl } from '../../util/redact.js';
import type { CacheStore, EntryToStore, StoredEntry } from './types.js';

/** How to reach Redis and how hard to try. */
export interface RedisCacheStoreOptions {
  /** `redis://[user:password@]host:port[/db]`. */
  url: string;
  /** Put in front of every Redis key, so several caches can share one server. @defaultValue 'docflow:cache:' */
  keyPrefix?: string;
  /**
   * Client-side bound on one command, ms; 0 = none. The cache bounds every operation itself (and
   * stops sending while Redis is degraded), so it leaves this off. @defaultValue 0
   */
  commandTimeoutMs?: number;
  /** Give up one connection attempt after this many ms. @defaultValue 1000 */
  connectTimeoutMs?: number;
  /** Keys per SCAN step and members per SPOP step when invalidating. @defaultValue 500 */
  batchSize?: number;
  /** Connection-level errors (refused, reset): ioredis reports them as events, not rejections. */
  onConnectionError?: (err: Error) => void;
}

/** Longest wait between two reconnection attempts, ms. */
const MAX_RECONNECT_DELAY_MS = 2_000;

/** Backoff for reconnecting: 100 ms doubling to 2 s, with jitter so restarted clients spread out. */
export function reconnectDelayMs(attempt: number): number {
  const base = Math.min(MAX_RECONNECT_DELAY_MS, 50 * 2 ** Math.min(Math.max(attempt, 1), 10));
  return base + Math.floor(Math.random() * 50);
}

/** Redis glob characters (`*`, `?`, `[`, `]`, `\`) escaped, so a MATCH pattern takes the text literally. */
export function escapeGlob(text: string): string {
  return text.replace(/[*?[\]\\]/g, '\\$&');
}

/** ZPOPMIN's members: RESP2 gives [m, s, m, s…], RESP3 [[m, s], [m, s]…]. */
function membersOf(reply: unknown[]): Buffer[] {
  const out: Buffer[] = [];
  for (let i = 0; i < reply.length; i++) {
    const item = reply[i];
    if (Array.isArray(item)) out.push(item[0] as Buffer);
    else if (i % 2 === 0) out.push(item as Buffer);
  }
  return out;
}

/** Redis accepts a Buffer; wrap the codec's bytes without copying. */
function asBuffer(bytes: Uint8Array): Buffer {
  return Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

/** L2: see the file comment. */
export class RedisCacheStore implements CacheStore {
  readonly target: string;
  readonly #redis: Redis;
  readonly #valuePrefix: string;
  readonly #tagPrefix: string;
  readonly #batch: number;
  #closing: Promise<void> | undefined;
  /** SETs waiting for the end of this turn of the event loop (see `#queueSet`). */
  #pendingSets: Array<{ key: string; bytes: Buffer; ttlMs: number; resolve: () => void; reject: (err: unknown) => void }> = [];

  /** Create the client; it connects in the background (see {@link RedisCacheStore.waitReady}). */
  constructor(opts: RedisCacheStoreOptions) {
    const keyPrefix = opts.keyPrefix ?? 'docflow:cache:';
    this.target = redactUrl(opts.url);
    this.#valuePrefix = `${keyPrefix}v:`;
    this.#tagPrefix = `${keyPrefix}t:`;
    this.#batch = opts.batchSize ?? 500;
    const options: RedisOptions = {
      enableOfflineQueue: false,
      maxRetriesPerRequest: 1,
      autoResendUnfulfilledCommands: false,
      ...(opts.commandTimeoutMs ? { commandTimeout: opts.commandTimeoutMs } : {}),
      connectTimeout: opts.connectTimeoutMs ?? 1_000,
      retryStrategy: reconnectDelayMs,
      connectionName: 'docflow-cache',
      disableClientInfo: true,
    };
    this.#redis = new Redis(opts.url, options);
    // Without a listener ioredis prints every refused reconnection attempt to the console.
    this.#redis.on('error', (err: Error) => opts.onConnectionError?.(err));
  }

  /** True once connected; false when `timeoutMs` passes first (the client keeps trying). */
  waitReady(timeoutMs: number): Promise<boolean> {
    const redis = this.#redis;
    if (redis.status === 'ready') return Promise.resolve(true);
    return new Promise((resolve) => {
      const done = (ok: boolean) => {
        clearTimeout(timer);
        redis.off('ready', onReady);
        resolve(ok);
      };
      const onReady = () => done(true);
      const timer = setTimeout(() => done(false), timeoutMs);
      redis.on('ready', onReady);
    });
  }

  async get(key: string): Promise<StoredEntry | undefined> {
    const bytes = await this.#call('get', () => this.#redis.getBuffer(this.#valuePrefix + key));
    return bytes ? { bytes } : undefined;
  }

  /** One MGET: one command and one round trip whatever the count. */
  async getMany(keys: readonly string[]): Promise<(StoredEntry | undefined)[]> {
    if (keys.length === 0) return [];
    const values = await this.#call('mget', () => this.#redis.mgetBuffer(keys.map((k) => this.#valuePrefix + k)));
    return values.map((bytes) => (bytes ? { bytes } : undefined));
  }

  /**
   * SET with PX (one command when untagged); a tagged entry is also added to each tag's sorted set
   * (score = its expiry), expired members are pruned, and the set's own expiry only ever grows to
   * cover its longest entry: all in the same pipeline.
   */
  async set(key: string, entry: EntryToStore): Promise<void> {
    const k = this.#valuePrefix + key;
    const ttl = Math.max(1, Math.ceil(entry.ttlMs));
    if (entry.tags.length === 0) return this.#queueSet(k, asBuffer(entry.bytes), ttl);
    const now = Date.now();
    const pipe = this.#redis.pipeline().set(k, asBuffer(entry.bytes), 'PX', ttl);
    for (const tag of entry.tags) {
      const t = this.#tagPrefix + tag;
      // NX gives a new set its expiry; GT extends it. A tag set never outlives its longest entry.
      pipe.zadd(t, now + ttl, k).zremrangebyscore(t, '-inf', `(${now}`).pexpire(t, ttl, 'NX').pexpire(t, ttl, 'GT');
    }
    await this.#exec(pipe, 'set');
  }

  async delete(key: string): Promise<number> {
    return this.#call('delete', () => this.#redis.unlink(this.#valuePrefix + key));
  }

  /** SCAN with a literal MATCH pattern, UNLINK in batches: never KEYS, which blocks the server. */
  async invalidatePrefix(prefix: string): Promise<number> {
    const pattern = `${escapeGlob(this.#valuePrefix + prefix)}*`;
    let cursor = '0';
    let removed = 0;
    do {
      const [next, keys] = await this.#call('scan', () => this.#redis.scanBuffer(cursor, 'MATCH', pattern, 'COUNT', this.#batch));
      if (keys.length > 0) removed += await this.#call('unlink', () => this.#redis.unlink(...keys));
      cursor = next.toString();
    } while (cursor !== '0');
    return removed;
  }

  /** ZPOPMIN the tag's members in batches (an entry tagged meanwhile is not lost) and UNLINK them. */
  async invalidateTag(tag: string): Promise<number> {
    const t = this.#tagPrefix + tag;
    let removed = 0;
    for (;;) {
      const popped = await this.#call('zpopmin', () => this.#redis.zpopminBuffer(t, this.#batch));
      const keys = membersOf(popped as unknown[]);
      if (keys.length === 0) return removed;
      removed += await this.#call('unlink', () => this.#redis.unlink(...keys));
    }
  }

  async ping(): Promise<void> {
    await this.#call('ping', () => this.#redis.ping());
  }

  /** QUIT politely; a client that cannot (not connected) is just disconnected. Idempotent. */
  close(): Promise<void> {
    this.#closing ??= (async () => {
      try {
        if (this.#redis.status === 'ready') await this.#redis.quit();
      } catch {
        // Closing anyway: nothing to report to a caller that is shutting down.
      } finally {
        this.#redis.disconnect(false);
      }
    })();
    return this.#closing;
  }

  /**
   * Untagged SETs issued in the same turn of the event loop (a `Promise.all` of writes) leave in one
   * pipeline, one socket write: a write is a syscall, and it is most of what a SET costs the client.
   * A SET on its own is sent as it is, a microtask later. (ioredis's own auto-pipelining waits for
   * `setImmediate`, which would put a whole event-loop turn on every lone write.)
   */
  #queueSet(key: string, bytes: Buffer, ttlMs: number): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      if (this.#pendingSets.push({ key, bytes, ttlMs, resolve, reject }) === 1) queueMicrotask(() => this.#flushSets());
    });
  }

  #flushSets(): void {
    const batch = this.#pendingSets;
    this.#pendingSets = [];
    if (batch.length === 1) {
      const one = batch[0]!;
      this.#call('set', () => this.#redis.set(one.key, one.bytes, 'PX', one.ttlMs)).then(() => one.resolve(), one.reject);
      return;
    }
    const pipe = this.#redis.pipeline();
    for (const s of batch) pipe.set(s.key, s.bytes, 'PX', s.ttlMs);
    pipe.exec().then(
      (results) => {
        batch.forEach((s, i) => {
          const err = results ? results[i]?.[0] : new Error('the pipeline was discarded');
          if (err) s.reject(this.#error('set', err));
          else s.resolve();
        });
      },
      (err: unknown) => {
        for (const s of batch) s.reject(this.#error('set', err));
      },
    );
  }

  async #exec(pipe: ReturnType<Redis['pipeline']>, what: string): Promise<void> {
    const results = await this.#call(what, () => pipe.exec());
    if (!results) throw this.#error(what, new Error('the pipeline was discarded'));
    for (const [err] of results) if (err) throw this.#error(what, err);
  }

  /** `fn()` with its failure as a DocflowError (no extra async frame: this wraps every command). */
  #call<T>(what: string, fn: () => Promise<T>): Promise<T> {
    return fn().catch((err: unknown) => {
      throw this.#error(what, err);
    });
  }

  #error(what: string, err: unknown): DocflowError {
    if (err instanceof DocflowError) return err;
    const message = err instanceof Error ? err.message : String(err);
    return new DocflowError('ERR_STORE_UNAVAILABLE', `Redis at ${this.target} failed (${what}): ${message}`, { cause: err });
  }
}
