/**
 * The cache's shared levels: Redis (L2) and PostgreSQL (L3) behind one small interface. The cache
 * itself (src/cache) adds encoding, timeouts, statistics and degradation.
 */
export { type CacheStore, type EntryToStore, type StoredEntry } from './types.js';
export { RedisCacheStore, escapeGlob, reconnectDelayMs, type RedisCacheStoreOptions } from './redis.js';
export { PostgresCacheStore, CACHE_TABLE, CACHE_TABLE_SQL, ensureCacheTable, escapeLike } from './postgres.js';
