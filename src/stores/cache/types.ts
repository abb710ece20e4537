/**
 * What the cache needs from a shared store (Redis for L2, PostgreSQL for L3). Stores keep opaque
 * bytes: encoding, statistics, timeouts and degradation live in src/cache, so an adapter is only the
 * commands of its client.
 */

/** One entry as a store keeps it. */
export interface StoredEntry {
  /** The encoded value (a codec body), never interpreted by the store. */
  bytes: Uint8Array;
  /**
   * Time left before the entry expires, ms (> 0), when the store tells it cheaply (PostgreSQL, by
   * its own clock). Otherwise the cache reads the absolute expiry carried inside the value.
   */
  ttlMs?: number;
}

/** One entry to write. */
export interface EntryToStore {
  bytes: Uint8Array;
  /** Tags the entry can be invalidated by (stored beside it by the store). */
  tags: readonly string[];
  /** Lifetime from now, ms (> 0). */
  ttlMs: number;
}

/**
 * A shared cache level. Every method may reject (the server is down or refuses); the caller bounds
 * each call with its own timeout and turns failures into misses.
 */
export interface CacheStore {
  /** Where it is, without credentials, for log lines. */
  readonly target: string;
  get(key: string): Promise<StoredEntry | undefined>;
  /** All keys in one round trip; the answer lines up with `keys`. */
  getMany(keys: readonly string[]): Promise<(StoredEntry | undefined)[]>;
  set(key: string, entry: EntryToStore): Promise<void>;
  /** @returns how many entries were removed (0 or 1). */
  delete(key: string): Promise<number>;
  /** Remove every key starting with `prefix`, taken literally (no pattern characters). */
  invalidatePrefix(prefix: string): Promise<number>;
  /** Remove every entry stored with `tag`. */
  invalidateTag(tag: string): Promise<number>;
  /** Cheap round trip through the same path as `get`, to tell when the store is back. */
  ping(): Promise<void>;
  /** Release the connection (a store built on a caller's pool leaves the pool open). Idempotent. */
  close(): Promise<void>;
}
