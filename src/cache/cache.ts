/**
 * docflow's three-level cache: L1 in this process (LRU), L2 in Redis, L3 in PostgreSQL. Reads go
 * L1 → L2 → L3 and copy a hit up into the faster levels with the time it has left; writes go to the
 * levels configured (or named by the call). A shared level that fails or is slow is skipped until it
 * answers again, so no cache failure ever reaches a caller: a read becomes a miss, a write is dropped.
 */
import type { Logger } from '../log.js';
import type { CacheStore, PostgresCacheStore, RedisCacheStore, StoredEntry } from '../stores/cache/index.js';
import { Envelope, type Unpacked } from './envelope.js';
import { assertKey, assertPrefix, assertTag, normalizeTags, storageKey } from './keys.js';
import { MemoryLevel } from './memory-level.js';
import { openSharedLevels } from './open.js';
import { assertLevels, resolveCacheOptions, type CacheLevelName, type CacheOptions, type CacheOptionsInput } from './options.js';
import { FAILED, type RemoteLevel } from './remote-level.js';
import { SingleFlight } from './single-flight.js';
import type { CacheDeps, CacheStats, InvalidateResult, ReadOptions, SetOptions } from './types.js';

const L1 = 1;
const L2 = 2;
const L3 = 4;
const SHARED = L2 | L3;
const BIT: Record<CacheLevelName, number> = { l1: L1, l2: L2, l3: L3 };
const NOTHING: Promise<undefined> = Promise.resolve(undefined);
const DONE: Promise<void> = Promise.resolve();

function maskOf(levels: readonly CacheLevelName[]): number {
  let mask = 0;
  for (const l of levels) mask |= BIT[l];
  return mask;
}

/** The cache: see the file comment. Create it with {@link Cache.open}; close it with `close()`. */
export class Cache implements AsyncDisposable {
  /** The options in force, filled and frozen. */
  readonly options: Readonly<CacheOptions>;
  readonly #l1: MemoryLevel;
  readonly #l2: RemoteLevel<RedisCacheStore> | undefined;
  readonly #l3: RemoteLevel<PostgresCacheStore> | undefined;
  /** The configured shared levels, fastest first. */
  readonly #shared: readonly RemoteLevel[];
  /** The shared levels a write goes to, by `mask & SHARED` (computed once, not per write). */
  readonly #targets: readonly (readonly RemoteLevel[])[];
  readonly #envelope: Envelope;
  readonly #flights = new SingleFlight();
  readonly #defaultMask: number;
  readonly #log: Logger;
  readonly #timers: NodeJS.Timeout[] = [];
  readonly #counts = { computes: 0, computeErrors: 0, encodeErrors: 0, tooLarge: 0 };
  #closing: Promise<void> | undefined;

  private constructor(o: Readonly<CacheOptions>, l2: RemoteLevel<RedisCacheStore> | undefined, l3: RemoteLevel<PostgresCacheStore> | undefined, log: Logger) {
    this.options = o;
    this.#l1 = new MemoryLevel(o.l1);
    this.#l2 = l2;
    this.#l3 = l3;
    // Both stores implement CacheStore; the levels' extra methods (L3's sweep) are reached through #l3.
    this.#shared = [l2, l3].filter((l) => l !== undefined) as unknown as RemoteLevel[];
    this.#targets = Array.from({ length: SHARED + 1 }, (_, m) => this.#shared.filter((l) => (m & BIT[l.name]) !== 0));
    this.#log = log;
    this.#envelope = new Envelope(o.l2.compressMinBytes, o.maxValueBytes);
    this.#defaultMask = maskOf(o.levels);
    this.#every(Math.max(1_000, o.l1.ttlMs), () => this.#l1.purgeStale());
    if (l3 && o.l3.sweepIntervalMs > 0) this.#every(o.l3.sweepIntervalMs, () => void this.sweep());
  }

  /**
   * Open a cache: connect to Redis when `l2.url` is set (starting with L2 degraded if it does not
   * answer within `deps.connectWaitMs`), and use `deps.db` for L3 when `l3.enabled`.
   *
   * @throws TypeError naming a bad option, or when L3 is enabled without `deps.db`.
   */
  static async open(options?: CacheOptionsInput, deps: CacheDeps = {}): Promise<Cache> {
    const o = resolveCacheOptions(options);
    const shared = await openSharedLevels(o, deps);
    return new Cache(o, shared.l2, shared.l3, shared.logger);
  }

  /** The value under `key`, or undefined on a miss (or when every level that has it is down). */
  get<T = unknown>(key: string, opts?: ReadOptions): Promise<T | undefined> {
    let mask: number;
    try {
      assertKey(key);
      mask = this.#mask(opts);
    } catch (err) {
      return Promise.reject(err);
    }
    // Not an async function: an L1 hit costs one resolved promise, not a suspended frame.
    if (mask & L1) {
      const hit = this.#l1.get(key);
      if (hit !== undefined) return Promise.resolve(hit as T);
    }
    if (!(mask & SHARED)) return NOTHING;
    return this.#readShared(key, mask).then((found) => found?.value as T | undefined);
  }

  /** L1 only, synchronously: for hot paths that would rather miss than wait for a round trip. */
  peek<T = unknown>(key: string): T | undefined {
    assertKey(key);
    return this.#l1.get(key) as T | undefined;
  }

  /** Values of `keys` in order (undefined for misses), one round trip per shared level. */
  async getMany<T = unknown>(keys: readonly string[], opts?: ReadOptions): Promise<(T | undefined)[]> {
    for (const k of keys) assertKey(k);
    const mask = this.#mask(opts);
    const out: (T | undefined)[] = new Array<T | undefined>(keys.length).fill(undefined);
    let pending: number[] = [];
    keys.forEach((k, i) => {
      const hit = mask & L1 ? this.#l1.get(k) : undefined;
      if (hit !== undefined) out[i] = hit as T;
      else pending.push(i);
    });
    for (const level of this.#shared) {
      if (!(mask & BIT[level.name]) || pending.length === 0) continue;
      const found = await level.attempt('getMany', (s) => s.getMany(pending.map((i) => storageKey(keys[i]!))));
      if (found === FAILED) continue;
      const still: number[] = [];
      const copies: Promise<unknown>[] = [];
      pending.forEach((i, j) => {
        const entry = found[j];
        const got = entry && this.#accept(level, keys[i]!, entry, mask, copies);
        if (got) out[i] = got.value as T;
        else still.push(i);
      });
      await Promise.all(copies);
      pending = still;
    }
    return out;
  }

  /**
   * Store `value` (not `undefined`, which is what a miss looks like) in the call's levels, and drop
   * any copy in L1 when L1 is not one of them. Never throws for a level that fails.
   *
   * @throws TypeError for a bad key, TTL, tag or level list (mistakes of the caller, not of the cache).
   */
  set(key: string, value: unknown, opts?: SetOptions): Promise<void> {
    try {
      assertKey(key);
      return this.#write(key, value, this.#mask(opts), this.#ttl(opts), normalizeTags(opts?.tags));
    } catch (err) {
      return Promise.reject(err);
    }
  }

  /**
   * The cached value of `key`, or `compute()`'s result, stored before it is returned. Concurrent
   * calls for a key that misses run `compute` once and all get its result or its error; errors are
   * not cached. Only `compute`'s own error ever propagates.
   */
  async getOrCompute<T>(key: string, compute: () => T | Promise<T>, opts?: SetOptions): Promise<T> {
    assertKey(key);
    const mask = this.#mask(opts);
    const ttlMs = this.#ttl(opts);
    const tags = normalizeTags(opts?.tags);
    if (typeof compute !== 'function') throw new TypeError('compute must be a function');
    if (mask & L1) {
      const hit = this.#l1.get(key);
      if (hit !== undefined) return hit as T;
    }
    return this.#flights.run(key, async () => {
      const found = mask & SHARED ? await this.#readShared(key, mask) : undefined;
      if (found) return found.value as T;
      return this.#computeAndStore(key, compute, mask, ttlMs, tags);
    });
  }

  /**
   * Remove `key` from every level (whatever the `levels` it was written to). Like the invalidations
   * below, it never throws for a level that fails: the result lists it. Other processes' L1 copies
   * live on until their `l1.ttlMs` at most.
   */
  async delete(key: string): Promise<InvalidateResult> {
    const k = storageKey(key);
    return this.#invalidate('delete', (l1) => l1.delete(key), (s) => s.delete(k));
  }

  /**
   * Remove every key starting with `prefix`, taken literally (`%`, `_`, `*` are plain characters).
   * Keys longer than 512 characters are stored in L2/L3 as their first 200 and a hash, so a prefix
   * reaches them there only within those 200.
   */
  async invalidatePrefix(prefix: string): Promise<InvalidateResult> {
    assertPrefix(prefix);
    return this.#invalidate('invalidatePrefix', (l1) => l1.invalidatePrefix(prefix), (s) => s.invalidatePrefix(prefix));
  }

  /** Remove every entry stored with `tag`. */
  async invalidateTag(tag: string): Promise<InvalidateResult> {
    assertTag(tag);
    return this.#invalidate('invalidateTag', (l1) => l1.invalidateTag(tag), (s) => s.invalidateTag(tag));
  }

  /**
   * Drop `fraction` (0..1) of L1, least recently used first (the memory monitor calls it at `high`).
   * @returns entries dropped.
   */
  trim(fraction: number): number {
    if (typeof fraction !== 'number' || !(fraction >= 0 && fraction <= 1)) throw new TypeError('fraction must be a number from 0 to 1');
    const dropped = this.#l1.trim(fraction);
    if (dropped > 0) this.#log.debug({ dropped, fraction }, 'cache l1 trimmed');
    return dropped;
  }

  /** Delete L3's expired rows now (also run every `l3.sweepIntervalMs`). @returns rows deleted. */
  async sweep(): Promise<number> {
    const l3 = this.#l3;
    if (!l3 || !l3.usable) return 0;
    const n = await l3.attempt('sweep', (s) => s.sweep(), this.options.invalidateTimeoutMs);
    return n === FAILED ? 0 : n;
  }

  /** Counters and gauges per level, as plain data. */
  stats(): CacheStats {
    const off = { enabled: false, degraded: false } as const;
    return {
      l1: this.#l1.stats(),
      l2: this.#l2?.stats() ?? off,
      l3: this.#l3?.stats() ?? off,
      degraded: Boolean(this.#l2?.degraded || this.#l3?.degraded),
      ...this.#flights.stats(),
      ...this.#counts,
    };
  }

  /** Stop timers and probes, close the Redis client (not the PostgreSQL pool), empty L1. Idempotent. */
  close(): Promise<void> {
    this.#closing ??= (async () => {
      for (const t of this.#timers) clearInterval(t);
      this.#l2?.close();
      this.#l3?.close();
      await this.#l2?.store.close();
      this.#l1.clear();
    })();
    return this.#closing;
  }

  [Symbol.asyncDispose](): Promise<void> {
    return this.close();
  }

  /** L2 then L3, as `mask` allows; a hit is copied into the faster levels. */
  async #readShared(key: string, mask: number): Promise<Unpacked | undefined> {
    const k = storageKey(key);
    for (const level of this.#shared) {
      if (!(mask & BIT[level.name])) continue;
      const entry = await level.attempt('get', (s) => s.get(k));
      if (entry === FAILED) continue;
      if (!entry) {
        level.count('misses');
        continue;
      }
      const copies: Promise<unknown>[] = [];
      const got = this.#accept(level, key, entry, mask, copies);
      await Promise.all(copies);
      if (got) return got;
    }
    return undefined;
  }

  /**
   * Decode a shared level's hit and copy it up (L1 now, L2 as a promise pushed on `copies`). The
   * time left is the store's when it knows it (L3, by the server's clock), else the envelope's.
   */
  #accept(level: RemoteLevel, key: string, entry: StoredEntry, mask: number, copies: Promise<unknown>[]): Unpacked | undefined {
    const bytes = entry.bytes;
    let got: Unpacked;
    try {
      got = this.#envelope.unpack(bytes);
    } catch (err) {
      level.count('decodeErrors');
      level.count('misses');
      this.#log.debug({ cacheLevel: level.name, err: err instanceof Error ? err.message : String(err) }, 'cache entry does not decode; treated as a miss');
      return undefined;
    }
    const ttlMs = entry.ttlMs ?? got.expiresAt - Date.now();
    if (!(ttlMs > 0)) {
      // Expired by the writer's clock a moment before the store's own expiry.
      level.count('misses');
      return undefined;
    }
    level.count('hits');
    if (mask & L1) this.#l1.set(key, got.value, got.tags, ttlMs, true);
    const l2 = this.#l2;
    if (level.name === 'l3' && l2 && mask & L2 && l2.usable) {
      const k = storageKey(key);
      copies.push(l2.attempt('writeBack', (s) => s.set(k, { bytes, tags: got.tags, ttlMs })).then((r) => r !== FAILED && l2.count('writeBacks')));
    }
    return got;
  }

  /** Synchronous for L1; the shared levels' writes are the returned promise (which never rejects). */
  #write(key: string, value: unknown, mask: number, ttlMs: number, tags: readonly string[]): Promise<void> {
    if (value === undefined || this.#closing) return DONE;
    if (mask & L1) this.#l1.set(key, value, tags, ttlMs);
    else this.#l1.delete(key);
    if (!(mask & SHARED)) return DONE;
    const targets = this.#targets[mask & SHARED]!;
    if (targets.length === 0) return DONE;
    let bytes: Uint8Array;
    try {
      bytes = this.#envelope.pack(value, tags, Date.now() + ttlMs);
    } catch (err) {
      this.#counts.encodeErrors++;
      this.#log.debug({ err: err instanceof Error ? err.message : String(err) }, 'cache value cannot be encoded; kept in L1 only');
      return DONE;
    }
    if (bytes.byteLength > this.options.maxValueBytes) {
      this.#counts.tooLarge++;
      return DONE;
    }
    const entry = { bytes, tags, ttlMs };
    const k = storageKey(key);
    const one = (l: RemoteLevel) => l.attempt('set', (s) => s.set(k, entry)).then((r) => {
      if (r !== FAILED) l.count('sets');
    });
    return targets.length === 1 ? one(targets[0]!) : Promise.all(targets.map(one)).then(() => undefined);
  }

  /** Run `compute`, store its result, hand it back; `compute`'s error is counted and rethrown. */
  async #computeAndStore<T>(key: string, compute: () => T | Promise<T>, mask: number, ttlMs: number, tags: readonly string[]): Promise<T> {
    this.#counts.computes++;
    let value: T;
    try {
      value = await compute();
    } catch (err) {
      this.#counts.computeErrors++;
      throw err;
    }
    await this.#write(key, value, mask, ttlMs, tags);
    return value;
  }

  async #invalidate(what: string, local: (l1: MemoryLevel) => number, shared: (s: CacheStore) => Promise<number>): Promise<InvalidateResult> {
    const result: InvalidateResult = { removed: { l1: local(this.#l1), l2: 0, l3: 0 }, failed: [] };
    await Promise.all(this.#shared.map(async (level) => {
      const n = await level.attempt(what, shared, this.options.invalidateTimeoutMs);
      if (n === FAILED) result.failed.push(level.name);
      else result.removed[level.name] = n;
    }));
    result.failed.sort();
    return result;
  }

  #mask(opts: ReadOptions | undefined): number {
    if (opts?.levels === undefined) return this.#defaultMask;
    assertLevels('opts.levels', opts.levels);
    return maskOf(opts.levels);
  }

  #ttl(opts: SetOptions | undefined): number {
    const ttl = opts?.ttlMs ?? this.options.defaultTtlMs;
    if (typeof ttl !== 'number' || !Number.isFinite(ttl) || ttl <= 0) throw new TypeError('opts.ttlMs must be a positive number of milliseconds');
    return ttl;
  }

  #every(ms: number, fn: () => void): void {
    const t = setInterval(fn, ms);
    t.unref();
    this.#timers.push(t);
  }
}
