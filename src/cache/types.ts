/** The cache's call options, results and figures. */
import type { Logger } from '../log.js';
import type { Queryable } from '../stores/postgres/database.js';
import type { L1Stats } from './memory-level.js';
import type { CacheLevelName } from './options.js';
import type { RemoteLevelStats } from './remote-level.js';

/** Which levels a call reads (and a write writes). */
export interface ReadOptions {
  /** @defaultValue the cache's `levels` option */
  levels?: readonly CacheLevelName[];
}

/** How to store an entry. */
export interface SetOptions extends ReadOptions {
  /** Lifetime, ms (> 0). @defaultValue the cache's `defaultTtlMs` */
  ttlMs?: number;
  /** Names to invalidate the entry by (at most 32, each 1-256 characters). */
  tags?: readonly string[];
}

/** What an invalidation did. It never throws: a level that could not be reached is listed in `failed`. */
export interface InvalidateResult {
  /** Entries removed per level (what each level could count). */
  removed: Record<CacheLevelName, number>;
  /** Levels that were down or failed: they may still hold the entries until those expire. */
  failed: CacheLevelName[];
}

/** A level that is not configured. */
export interface DisabledLevelStats {
  enabled: false;
  degraded: false;
}

/** Everything `docflow status` and the metrics show about the cache. Plain data. */
export interface CacheStats {
  l1: L1Stats;
  l2: RemoteLevelStats | DisabledLevelStats;
  l3: RemoteLevelStats | DisabledLevelStats;
  /** Some configured shared level is degraded now. */
  degraded: boolean;
  /** `compute` calls run by `getOrCompute`. */
  computes: number;
  /** `compute` calls that threw (never cached). */
  computeErrors: number;
  /** `getOrCompute` calls that joined a compute already running for their key. */
  coalesced: number;
  /** Keys being computed now. */
  inflight: number;
  /** Values that could not be encoded for L2/L3 (kept in L1 only). */
  encodeErrors: number;
  /** Encoded values over `maxValueBytes`, kept out of L2/L3. */
  tooLarge: number;
}

/** What the cache is given besides its options. */
export interface CacheDeps {
  /** @defaultValue silentLogger */
  logger?: Logger;
  /** The PostgreSQL pool for L3 (the lead's `Database`); required when `l3.enabled`. Never closed by the cache. */
  db?: Queryable;
  /** Where `db` points, without credentials, for log lines. @defaultValue 'postgres' */
  dbTarget?: string;
  /** Run `ensureCacheTable(db)` at open (when migrations do not create it). @defaultValue false */
  ensureTable?: boolean;
  /** Wait this long at open for Redis to connect before starting with L2 degraded, ms. @defaultValue 2000 */
  connectWaitMs?: number;
}
