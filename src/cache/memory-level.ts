/**
 * L1: an LRU in this process's memory, bounded in entries and in (approximate) bytes, with a TTL per
 * entry and a tag index so `invalidateTag` does not scan. Values are kept by reference: callers
 * must treat cached values as immutable.
 *
 * The LRU holds the values themselves, not a wrapper with their tags and size: a wrapper per `set`
 * cost a quarter of L1's write rate (bench/cache.ts). Tags live beside it, for tagged keys only.
 */
import { LRUCache } from 'lru-cache';
import type { L1Options } from './options.js';
import { estimateBytes } from './size.js';

/** L1's figures (counters since start, gauges now). */
export interface L1Stats {
  hits: number;
  misses: number;
  /** Entries written by `set`/`getOrCompute`. */
  sets: number;
  /** Entries copied up from L2/L3 on a hit there. */
  writeBacks: number;
  /** Entries pushed out by the entry or byte bound. */
  evictions: number;
  /** Entries found past their TTL and dropped. */
  expired: number;
  /** Entries dropped by `trim`. */
  trimmed: number;
  /** Values larger than `maxBytes` on their own, never kept. */
  tooLarge: number;
  entries: number;
  /** Approximate bytes held. */
  bytes: number;
  maxEntries: number;
  maxBytes: number;
}

/** Bytes counted for an entry besides its value: key, tags, the LRU's own slots. */
const ENTRY_OVERHEAD = 64;

/** L1: see the file comment. */
export class MemoryLevel {
  /** Values as given (never `undefined`, which is what a miss looks like). */
  readonly #lru: LRUCache<string, NonNullable<unknown>>;
  /** The tags of each key whose entry has some; kept in step with the LRU (see `#onDispose`). */
  readonly #tagsOf = new Map<string, readonly string[]>();
  readonly #byTag = new Map<string, Set<string>>();
  readonly #maxTtlMs: number;
  readonly #opts: Readonly<L1Options>;
  #trimming = false;
  readonly #counts = { hits: 0, misses: 0, sets: 0, writeBacks: 0, evictions: 0, expired: 0, trimmed: 0, tooLarge: 0 };

  constructor(opts: Readonly<L1Options>) {
    this.#opts = opts;
    this.#maxTtlMs = opts.ttlMs;
    this.#lru = new LRUCache<string, NonNullable<unknown>>({
      max: opts.maxEntries,
      maxSize: opts.maxBytes,
      // Every set passes its size; this is only the LRU's required fallback.
      sizeCalculation: (v, k) => entrySize(k, v, NO_TAGS),
      ttl: opts.ttlMs,
      dispose: (_value, key, reason) => this.#onDispose(key, reason),
    });
  }

  /** The live value under `key` (`undefined` for none), counted as a hit or a miss. */
  get(key: string): unknown {
    const value = this.#lru.get(key);
    if (value === undefined) this.#counts.misses++;
    else this.#counts.hits++;
    return value;
  }

  /** The live value without counting or touching its recency. */
  peek(key: string): unknown {
    return this.#lru.peek(key);
  }

  /**
   * Keep `value` (not `undefined`) for at most `ttlMs` (and never longer than `l1.ttlMs`).
   * @returns false when the value alone is over `maxBytes`, or is `undefined` (any older entry under
   *   `key` is dropped).
   */
  set(key: string, value: unknown, tags: readonly string[], ttlMs: number, writeBack = false): boolean {
    if (value === undefined) {
      this.#lru.delete(key);
      return false;
    }
    const size = entrySize(key, value, tags);
    if (size > this.#opts.maxBytes) {
      this.#counts.tooLarge++;
      this.#lru.delete(key);
      return false;
    }
    // The replaced entry's tags go first: the LRU's dispose of a replaced value ('set') leaves them.
    if (this.#tagsOf.size !== 0) this.#untag(key);
    // The common case (TTL at or past the L1 cap) takes the LRU's default TTL.
    if (ttlMs >= this.#maxTtlMs) this.#lru.set(key, value as NonNullable<unknown>, { size });
    else this.#lru.set(key, value as NonNullable<unknown>, { size, ttl: Math.max(1, Math.ceil(ttlMs)) });
    if (tags.length > 0) this.#tag(key, tags);
    if (writeBack) this.#counts.writeBacks++;
    else this.#counts.sets++;
    return true;
  }

  #tag(key: string, tags: readonly string[]): void {
    this.#tagsOf.set(key, tags);
    for (const t of tags) {
      let keys = this.#byTag.get(t);
      if (!keys) this.#byTag.set(t, (keys = new Set()));
      keys.add(key);
    }
  }

  #untag(key: string): void {
    const tags = this.#tagsOf.get(key);
    if (tags === undefined) return;
    this.#tagsOf.delete(key);
    for (const t of tags) {
      const keys = this.#byTag.get(t);
      if (!keys) continue;
      keys.delete(key);
      if (keys.size === 0) this.#byTag.delete(t);
    }
  }

  delete(key: string): number {
    return this.#lru.delete(key) ? 1 : 0;
  }

  /** Drop every key starting with `prefix` (a scan: L1 is bounded, and invalidation is rare). */
  invalidatePrefix(prefix: string): number {
    const doomed: string[] = [];
    for (const key of this.#lru.keys()) if (key.startsWith(prefix)) doomed.push(key);
    let removed = 0;
    for (const key of doomed) removed += this.delete(key);
    return removed;
  }

  invalidateTag(tag: string): number {
    const keys = this.#byTag.get(tag);
    if (!keys) return 0;
    let removed = 0;
    for (const key of [...keys]) removed += this.delete(key);
    this.#byTag.delete(tag);
    return removed;
  }

  /**
   * Drop `fraction` (0..1) of the entries, least recently used first: the memory monitor's lever.
   * @returns entries dropped.
   */
  trim(fraction: number): number {
    const n = Math.min(this.#lru.size, Math.ceil(this.#lru.size * fraction));
    this.#trimming = true;
    let dropped = 0;
    try {
      while (dropped < n && this.#lru.pop() !== undefined) dropped++;
    } finally {
      this.#trimming = false;
    }
    return dropped;
  }

  /** Drop the entries past their TTL now (they would otherwise go when next read or evicted). */
  purgeStale(): void {
    this.#lru.purgeStale();
  }

  clear(): void {
    this.#lru.clear();
    this.#tagsOf.clear();
    this.#byTag.clear();
  }

  stats(): L1Stats {
    return { ...this.#counts, entries: this.#lru.size, bytes: this.#lru.calculatedSize, maxEntries: this.#opts.maxEntries, maxBytes: this.#opts.maxBytes };
  }

  #onDispose(key: string, reason: LRUCache.DisposeReason): void {
    // Replaced by a newer set of the same key (the common case): `set` has seen to its tags.
    if (reason === 'set') return;
    if (this.#tagsOf.size !== 0) this.#untag(key);
    if (reason === 'evict') {
      if (this.#trimming) this.#counts.trimmed++;
      else this.#counts.evictions++;
    } else if (reason === 'expire') {
      this.#counts.expired++;
    }
  }
}

const NO_TAGS: readonly string[] = [];

/** An entry's share of `maxBytes`: its value, key and tags, and the LRU's own slots. */
function entrySize(key: string, value: unknown, tags: readonly string[]): number {
  let size = ENTRY_OVERHEAD + key.length + estimateBytes(value);
  for (let i = 0; i < tags.length; i++) size += tags[i]!.length + 8;
  return size;
}
