import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Cache, type CacheOptionsInput } from '../../src/cache/index.js';
import { startPostgres, type RunningPostgres } from '../../src/embedded/postgres.js';
import { ensureCacheTable } from '../../src/stores/cache/index.js';
import { Database } from '../../src/stores/postgres/index.js';
import { freePort, useRedis } from '../harness/redis.js';
import { captureLogger, logged, uniqueKeyPrefix, waitFor } from './helpers.js';

/** A PostgreSQL that can be stopped and started again on the same port and data (L3 going away). */
class RestartablePostgres {
  #server: RunningPostgres | undefined;
  private constructor(readonly dir: string, readonly port: number) {}
  static async start(): Promise<RestartablePostgres> {
    const pg = new RestartablePostgres(mkdtempSync(join(tmpdir(), 'docflow-cache-pg-')), await freePort());
    await pg.start();
    return pg;
  }
  get url(): string {
    if (!this.#server) throw new Error('PostgreSQL is stopped');
    return this.#server.url;
  }
  async start(): Promise<void> {
    this.#server = await startPostgres({ dataDir: this.dir, port: this.port, persistent: true });
  }
  async stop(): Promise<void> {
    await this.#server?.stop();
  }
  async dispose(): Promise<void> {
    await this.stop();
    rmSync(this.dir, { recursive: true, force: true });
  }
}

const DOWN = /^cache l(2|3) \((Redis|PostgreSQL)\) is unavailable/;
const BACK = /^cache l(2|3) \((Redis|PostgreSQL)\) is back$/;

describe('cache degradation: Redis or PostgreSQL down, slow, and back', function () {
  this.timeout(120_000);
  const redis = useRedis();
  let pg: RestartablePostgres;
  let db: Database;

  before(async () => {
    pg = await RestartablePostgres.start();
    db = await Database.connect(pg.url, { connectTimeoutMs: 1_000 });
    await ensureCacheTable(db);
  });
  after(async () => {
    await db?.close();
    await pg?.dispose();
  });

  const open = (extra: CacheOptionsInput, logger: ReturnType<typeof captureLogger>['logger']) =>
    Cache.open({ probeIntervalMs: 100, ...extra, l2: { url: redis().url, keyPrefix: uniqueKeyPrefix(), timeoutMs: 50, ...extra.l2 } }, { db, logger });

  it('Redis killed mid-run (SIGKILL) and restarted: nothing throws, L3 serves, L2 hits resume', async () => {
    const { logger, lines } = captureLogger();
    // No L1 for reads, so that every get goes to the shared levels.
    await using cache = await open({ levels: ['l2', 'l3'] }, logger);
    const keys = Array.from({ length: 20 }, (_, i) => `doc:${i}`);
    for (const k of keys) await cache.set(k, { k });
    for (const k of keys) assert.deepEqual(await cache.get(k), { k });
    assert.ok(cache.stats().l2.enabled);
    const l2 = () => {
      const s = cache.stats().l2;
      if (!s.enabled) throw new Error('L2 not enabled');
      return s;
    };
    assert.equal(l2().hits, 20);

    await redis().kill();
    for (let round = 0; round < 5; round++) {
      for (const k of keys) assert.deepEqual(await cache.get(k), { k }, 'served by L3 while Redis is down');
      await cache.set(`new:${round}`, round);
      assert.equal(await cache.getOrCompute(`computed:${round}`, () => round * 10), round * 10);
      await assert.rejects(cache.getOrCompute(`failing:${round}`, () => Promise.reject(new RangeError('compute failed'))), RangeError);
    }
    assert.equal(l2().degraded, true);
    assert.equal(cache.stats().degraded, true);
    assert.ok(l2().skipped > 0);
    assert.ok(l2().errors >= 1);
    assert.equal(logged(lines, DOWN).length, 1, 'logged once, not once per failure');
    // pino's own `level` (the severity) stays intact: the cache level has a field of its own.
    assert.equal(logged(lines, DOWN)[0]!['level'], 40);
    assert.equal(logged(lines, DOWN)[0]!['cacheLevel'], 'l2');
    assert.deepEqual(await cache.invalidatePrefix('new:'), { removed: { l1: 0, l2: 0, l3: 5 }, failed: ['l2'] });

    await redis().start();
    await waitFor('L2 back', () => !l2().degraded, 20_000, 50);
    assert.equal(logged(lines, BACK).length, 1);
    assert.equal(l2().recoveries, 1);
    const hitsBefore = l2().hits;
    // The restarted Redis is empty (no persistence): the first read copies from L3, the second hits L2.
    for (const k of keys) assert.deepEqual(await cache.get(k), { k });
    for (const k of keys) assert.deepEqual(await cache.get(k), { k });
    assert.equal(l2().hits - hitsBefore, 20, 'hits resume at L2');
    assert.equal(logged(lines, DOWN).length, 1);
  });

  it('a stalled Redis (SIGSTOP) times out at l2.timeoutMs, degrades, and returns after SIGCONT', async () => {
    const { logger, lines } = captureLogger();
    await using cache = await open({}, logger);
    await cache.set('k', 'v');
    redis().signal('SIGSTOP');
    try {
      assert.equal(await cache.get('k', { levels: ['l2', 'l3'] }), 'v', 'from L3 after the L2 timeout');
      await cache.set('k2', 'v2');
      assert.equal(await cache.get('k2'), 'v2', 'L1 still works');
      const s = cache.stats().l2;
      assert.ok(s.enabled && s.degraded && s.timeouts >= 1);
    } finally {
      redis().signal('SIGCONT');
    }
    await waitFor('L2 back', () => !cache.stats().l2.degraded, 10_000, 50);
    assert.equal(await cache.get('k', { levels: ['l2'] }), 'v');
    assert.equal(logged(lines, DOWN).length, 1);
    assert.equal(logged(lines, BACK).length, 1);
  });

  it('a busy event loop (blocked past l2.timeoutMs while the answer waits in the socket) does not degrade L2', async () => {
    const { logger, lines } = captureLogger();
    await using cache = await open({}, logger);
    await cache.set('busy', 'v');
    for (let i = 0; i < 5; i++) {
      const pending = cache.get('busy', { levels: ['l2'] });
      const until = performance.now() + 150; // three times the 50 ms timeout, with Redis answering at once
      while (performance.now() < until) { /* the pipeline's main thread at work */ }
      assert.equal(await pending, 'v');
    }
    const s = cache.stats().l2;
    assert.ok(s.enabled && !s.degraded && s.timeouts === 0 && s.hits === 5, JSON.stringify(s));
    assert.equal(logged(lines, DOWN).length, 0);
  });

  it('Redis unreachable at open: starts with L2 degraded and works with L1 and L3', async () => {
    const { logger, lines } = captureLogger();
    const nowhere = `redis://127.0.0.1:${await freePort()}`;
    await using cache = await Cache.open({ l2: { url: nowhere }, probeIntervalMs: 100 }, { db, logger, connectWaitMs: 200 });
    await cache.set('k', 'v');
    assert.equal(await cache.get('k', { levels: ['l2', 'l3'] }), 'v');
    assert.equal(cache.stats().l2.degraded, true);
    assert.equal(logged(lines, DOWN).length, 1);
  });

  it('PostgreSQL stopped and started again: L1/L2 serve, L3 degrades and comes back', async () => {
    const { logger, lines } = captureLogger();
    await using cache = await open({ l3: { timeoutMs: 500 } }, logger);
    const keys = Array.from({ length: 10 }, (_, i) => `pg:${i}`);
    for (const k of keys) await cache.set(k, k);

    await pg.stop();
    for (const k of keys) assert.equal(await cache.get(k, { levels: ['l2', 'l3'] }), k, 'served by L2');
    for (const k of keys) assert.equal(await cache.get(k, { levels: ['l3'] }), undefined, 'an L3 read is a miss, not an error');
    await cache.set('while-down', 1);
    assert.equal(await cache.getOrCompute('computed', () => 'c'), 'c');
    const s = cache.stats().l3;
    assert.ok(s.enabled && s.degraded && s.errors >= 1);
    assert.equal(logged(lines, DOWN).length, 1);

    await pg.start();
    await waitFor('L3 back', () => !cache.stats().l3.degraded, 30_000, 100);
    assert.equal(logged(lines, BACK).length, 1);
    const hitsBefore = s.hits;
    for (const k of keys) assert.equal(await cache.get(k, { levels: ['l3'] }), k, 'the rows survived the restart');
    const after = cache.stats().l3;
    assert.ok(after.enabled && after.hits - hitsBefore === keys.length);
  });
});
