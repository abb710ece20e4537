/**
 * Building the shared levels from options: the Redis client for L2 (waiting a little for it to
 * connect) and the PostgreSQL store for L3 on the caller's pool. A level that cannot be reached at
 * start begins degraded rather than failing the start: the cache works without it.
 */
import { silentLogger, type Logger } from '../log.js';
import { ensureCacheTable, PostgresCacheStore, RedisCacheStore } from '../stores/cache/index.js';
import type { CacheOptions } from './options.js';
import { RemoteLevel } from './remote-level.js';
import type { CacheDeps } from './types.js';

/** The shared levels a cache runs with (absent = not configured). */
export interface SharedLevels {
  l2: RemoteLevel<RedisCacheStore> | undefined;
  l3: RemoteLevel<PostgresCacheStore> | undefined;
  logger: Logger;
}

/** Open L2 and L3 as `options` and `deps` say. @throws TypeError when L3 is enabled without `deps.db`. */
export async function openSharedLevels(o: Readonly<CacheOptions>, deps: CacheDeps): Promise<SharedLevels> {
  const logger = (deps.logger ?? silentLogger).child({ component: 'cache' });
  const wantsL3 = o.l3.enabled;
  if (wantsL3 && !deps.db) throw new TypeError('deps.db is required when options.l3.enabled is true (or set options.l3.enabled to false)');
  const [l2, l3] = await Promise.all([openL2(o, deps, logger), wantsL3 ? openL3(o, deps, logger) : undefined]);
  return { l2, l3, logger };
}

async function openL2(o: Readonly<CacheOptions>, deps: CacheDeps, logger: Logger): Promise<RemoteLevel<RedisCacheStore> | undefined> {
  if (o.l2.url === '') return undefined;
  const store = new RedisCacheStore({
    url: o.l2.url,
    keyPrefix: o.l2.keyPrefix,
    // No client-side command timeout: the level bounds each operation itself, and sends nothing but a
    // probe a second while degraded, so a stalled server cannot pile commands up.
    onConnectionError: (err) => logger.debug({ err: err.message }, 'cache l2 connection error'),
  });
  const level = new RemoteLevel('l2', store, { timeoutMs: o.l2.timeoutMs, probeIntervalMs: o.probeIntervalMs, label: 'Redis', logger });
  const waitMs = deps.connectWaitMs ?? 2_000;
  if (!(await store.waitReady(waitMs))) level.markDown('connect', new Error(`not connected within ${waitMs} ms`));
  return level;
}

async function openL3(o: Readonly<CacheOptions>, deps: CacheDeps, logger: Logger): Promise<RemoteLevel<PostgresCacheStore>> {
  const db = deps.db!;
  const store = new PostgresCacheStore(db, deps.dbTarget);
  const level = new RemoteLevel('l3', store, { timeoutMs: o.l3.timeoutMs, probeIntervalMs: o.probeIntervalMs, label: 'PostgreSQL', logger });
  const startWaitMs = Math.max(o.l3.timeoutMs, 5_000);
  if (deps.ensureTable) await level.attempt('create table', () => ensureCacheTable(db), startWaitMs);
  // A first round trip now: an unreachable server or a missing table starts L3 degraded, logged once.
  if (level.usable) await level.attempt('start', (s) => s.ping(), startWaitMs);
  return level;
}
