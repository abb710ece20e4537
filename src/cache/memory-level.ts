/**
 * L1: an LRU in this process's memory, bounded in entries and in (approximate) bytes, with a TTL per
 * entry and a tag index so `invalidateTag` does not scan. Values are kept by reference: callers
 * must treat cached values as immutable.
 */
import { LRUCache } from 'lru-cache';
import type { L1Options } from './options.js';
import { estimateBytes } from './size.js';

/** An entry as L1 keeps it. */
export interface L1Entry {
  readonly value: unknown;
  readonly tags: readonly string[];
  /** Its share of `maxBytes`. */
  readonly size: number;
}

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
  readonly #lru: LRUCache<string, L1Entry>;
  readonly #byTag = new Map<string, Set<string>>();
  readonly #maxTtlMs: number;
  readonly #opts: Readonly<L1Options>;
  #trimming = false;
  readonly #counts = { hits: 0, misses: 0, sets: 0, writeBacks: 0, evictions: 0, expired: 0, trimmed: 0, tooLarge: 0 };

  constructor(opts: Readonly<L1Options>) {
    this.#opts = opts;
    this.#maxTtlMs = opts.ttlMs;
    this.#lru = new LRUCache<string, L1Entry>({
      max: opts.maxEntries,
      maxSize: opts.maxBytes,
      sizeCalculation: (e) => e.size,
      ttl: opts.ttlMs,
      dispose: (entry, key, reason) => this.#onDispose(entry, key, reason),
    });
  }

  /** The live entry under `key`, counted as a hit or a miss. */
  get(key: string): L1Entry | undefined {
    const entry = this.#lru.get(key);
    if (entry === undefined) this.#counts.misses++;
    else this.#counts.hits++;
    return entry;
  }

  /** The live entry without counting or touching its recency. */
  peek(key: string): L1Entry | undefined {
    return this.#lru.peek(key);
  }

  /**
   * Keep `value` for at most `ttlMs` (and never longer than `l1.ttlMs`).
   * @returns false when the value alone is over `maxBytes` (any older entry under `key` is dropped).
   */
  set(key: string, value: unknown, tags: readonly string[], ttlMs: number, writeBack = false): boolean {
    let size = ENTRY_OVERHEAD + key.length + estimateBytes(value);
    for (let i = 0; i < tags.length; i++) size += tags[i]!.length + 8;
    if (size > this.#opts.maxBytes) {
      this.#counts.tooLarge++;
      this.#lru.delete(key);
      return false;
    }
    const entry: L1Entry = { value, tags, size };
    // The common case (TTL at or past the L1 cap) takes the LRU's default TTL: no options object.
    if (ttlMs >= this.#maxTtlMs) this.#lru.set(key, entry);
    else this.#lru.set(key, entry, { ttl: Math.max(1, Math.ceil(ttlMs)) });
    if (tags.length > 0) this.#index(key, tags);
    if (writeBack) this.#counts.writeBacks++;
    else this.#counts.sets++;
    return true;
  }

  #index(key: string, tags: readonly string[]): void {
    for (const t of tags) {
      let keys = this.#byTag.get(t);
      if (!keys) this.#byTag.set(t, (keys = new Set()));
      keys.add(key);
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
    for (const key of [...keys]) {
      // The index can only be stale-but-harmless; check before dropping an entry it names.
      if (this.#lru.peek(key, { allowStale: true })?.tags.includes(tag)) removed += this.delete(key);
    }
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
    this.#byTag.clear();
  }

  stats(): L1Stats {
    return { ...this.#counts, entries: this.#lru.size, bytes: this.#lru.calculatedSize, maxEntries: this.#opts.maxEntries, maxBytes: this.#opts.maxBytes };
  }

  #onDispose(entry: L1Entry, key: string, reason: LRUCache.DisposeReason): void {
    // Replaced by a newer set of the same key (the common case): nothing to count or unindex.
    if (reason === 'set' && entry.tags.length === 0) return;
    for (const t of entry.tags) {
      const keys = this.#byTag.get(t);
      if (!keys) continue;
      keys.delete(key);
      if (keys.size === 0) this.#byTag.delete(t);
    }
    if (reason === 'evict') {
      if (this.#trimming) this.#counts.trimmed++;
      else this.#counts.evictions++;
    } else if (reason === 'expire') {
      this.#counts.expired++;
    }
  }
}
