/**
 * docflow's three-level cache (L1 memory, L2 Redis, L3 PostgreSQL) for the stages and query
 * services: read-through with write-back, single flight, invalidation by key, prefix and tag,
 * statistics, and degradation to the levels that still answer.
 */
export { Cache } from './cache.js';
export { cached, cachedMethod, type CachedOptions, type TagsOf } from './cached.js';
export { cacheKey, stableStringify, storageKey, MAX_KEY_LENGTH, MAX_PLAIN_KEY_LENGTH, MAX_TAG_LENGTH, MAX_TAGS } from './keys.js';
export {
  CACHE_LEVELS,
  DEFAULT_CACHE_OPTIONS,
  resolveCacheOptions,
  type CacheLevelName,
  type CacheOptions,
  type CacheOptionsInput,
  type L1Options,
  type L2Options,
  type L3Options,
} from './options.js';
export { estimateBytes } from './size.js';
export { SingleFlight, type SingleFlightStats } from './single-flight.js';
export type { L1Stats } from './memory-level.js';
export type { RemoteLevelStats } from './remote-level.js';
export type { CacheDeps, CacheStats, DisabledLevelStats, InvalidateResult, ReadOptions, SetOptions } from './types.js';
