import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { Redis } from 'ioredis';
import { Cache, type CacheOptionsInput } from '../../src/cache/index.js';
import { LZ4_FRAME_MAGIC } from '../../src/codec/index.js';
import { Database } from '../../src/stores/postgres/index.js';
import { CACHE_TABLE, ensureCacheTable } from '../../src/stores/cache/index.js';
import { usePostgres } from '../harness/postgres.js';
import { useRedis } from '../harness/redis.js';
import { HOSTILE_KEYS, uniqueKeyPrefix, waitFor } from './helpers.js';

describe('cache levels together: read-through, write-back, invalidation, stats', function () {
  this.timeout(60_000);
  const redis = useRedis();
  const postgres = usePostgres();
  let db: Database;
  let raw: Redis;
  let keyPrefix: string;
  let cache: Cache;

  const open = (extra: CacheOptionsInput = {}) => Cache.open({ ...extra, l2: { url: redis().url, keyPrefix, timeoutMs: 1_000, compressMinBytes: 256, ...extra.l2 } }, { db });
  /** Where a key is, level by level (reading one level never writes the others). */
  const where = async (c: Cache, key: string) => ({
    l1: c.peek(key),
    l2: await c.get(key, { levels: ['l2'] }),
    l3: await c.get(key, { levels: ['l3'] }),
  });

  before(async () => {
    db = await Database.connect(await postgres().database());
    await ensureCacheTable(db);
    raw = new Redis(redis().url);
    raw.on('error', () => undefined); // the harness stops Redis before this client is closed
  });
  after(async () => {
    raw?.disconnect();
    await db?.close();
  });
  beforeEach(async () => {
    keyPrefix = uniqueKeyPrefix();
    await db.query(`DELETE FROM ${CACHE_TABLE}`);
    cache = await open();
  });
  afterEach(async () => { await cache.close(); });

  it('writes every configured level; reading one level touches no other', async () => {
    await cache.set('doc:1', { title: 'one', n: [1, 2, 3] });
    assert.deepEqual(await where(cache, 'doc:1'), { l1: { title: 'one', n: [1, 2, 3] }, l2: { title: 'one', n: [1, 2, 3] }, l3: { title: 'one', n: [1, 2, 3] } });
    await cache.set('only:l3', 'deep', { levels: ['l3'] });
    assert.deepEqual(await where(cache, 'only:l3'), { l1: undefined, l2: undefined, l3: 'deep' });
  });

  it('a value only in L3 appears in L1 and L2 after one get, with the TTL it had left', async () => {
    await cache.set('k', { v: 'from-l3' }, { levels: ['l3'], ttlMs: 10_000, tags: ['doc:7'] });
    await sleep(300);
    assert.deepEqual(await cache.get('k'), { v: 'from-l3' });
    assert.deepEqual(await where(cache, 'k'), { l1: { v: 'from-l3' }, l2: { v: 'from-l3' }, l3: { v: 'from-l3' } });
    const pttl = await raw.pttl(`${keyPrefix}v:k`);
    assert.ok(pttl > 0 && pttl <= 9_750, `L2 got the remaining TTL, not a fresh one (${pttl})`);
    const s = cache.stats();
    assert.equal(s.l1.writeBacks, 1);
    assert.ok('writeBacks' in s.l2 && s.l2.writeBacks === 1);
    // the tags came along: invalidating by tag clears the copies too
    const r = await cache.invalidateTag('doc:7');
    assert.deepEqual(r, { removed: { l1: 1, l2: 1, l3: 1 }, failed: [] });
  });

  it('an L2 hit is copied into L1 only', async () => {
    await cache.set('k', 42, { levels: ['l2'] });
    assert.equal(await cache.get('k'), 42);
    assert.deepEqual(await where(cache, 'k'), { l1: 42, l2: 42, l3: undefined });
  });

  it('an L1 copy of a shared hit expires with the entry, not a fresh TTL later', async () => {
    await cache.set('short', 'v', { levels: ['l2'], ttlMs: 1_000 });
    assert.equal(await cache.get('short'), 'v');
    assert.equal(cache.peek('short'), 'v');
    await waitFor('the L1 copy to expire', () => cache.peek('short') === undefined, 5_000);
  });

  it('expires at each level: L1 at its cap, L2 and L3 at the entry TTL', async () => {
    await using c = await open({ l1: { ttlMs: 50 } });
    await c.set('k', 'v', { ttlMs: 2_000 });
    await waitFor('L1 to drop its copy', () => c.peek('k') === undefined, 3_000);
    assert.deepEqual(await where(c, 'k'), { l1: undefined, l2: 'v', l3: 'v' });
    await waitFor('L2 and L3 to expire', async () => (await c.get('k', { levels: ['l2'] })) === undefined && (await c.get('k', { levels: ['l3'] })) === undefined, 5_000, 50);
    assert.equal(await c.get('k'), undefined);
  });

  it('getMany gathers from every level in one round trip each', async () => {
    await cache.set('a', 'A', { levels: ['l1'] });
    await cache.set('b', 'B', { levels: ['l2'] });
    await cache.set('c', 'C', { levels: ['l3'] });
    assert.deepEqual(await cache.getMany(['a', 'b', 'c', 'd']), ['A', 'B', 'C', undefined]);
    assert.deepEqual(await where(cache, 'c'), { l1: 'C', l2: 'C', l3: 'C' });
    assert.deepEqual(await where(cache, 'b'), { l1: 'B', l2: 'B', l3: undefined });
  });

  it('compresses large values with LZ4 and reads them back from L2 and L3', async () => {
    const big = { text: 'lorem ipsum dolor sit amet '.repeat(200), bin: new Uint8Array(64).fill(7) };
    await cache.set('big', big);
    const stored = await raw.getBuffer(`${keyPrefix}v:big`);
    assert.ok(stored && stored.readUInt32LE(0) === LZ4_FRAME_MAGIC, 'stored as an LZ4 frame');
    assert.ok(stored.length < big.text.length / 4);
    const fromL2 = await cache.get<typeof big>('big', { levels: ['l2'] });
    const fromL3 = await cache.get<typeof big>('big', { levels: ['l3'] });
    assert.equal(fromL2?.text, big.text);
    assert.deepEqual([...(fromL3?.bin ?? [])], [...big.bin]);
  });

  it('invalidates by key, prefix and tag on every level, hostile keys literally', async () => {
    for (const k of HOSTILE_KEYS) await cache.set(`h:${k}`, k, { tags: ['hostile', `t:${k}`] });
    await cache.set('h%', 'lookalike');
    await cache.set('keep', 1, { tags: ['other'] });
    for (const k of HOSTILE_KEYS) assert.deepEqual(await where(cache, `h:${k}`), { l1: k, l2: k, l3: k }, k);

    assert.deepEqual(await cache.delete(`h:${HOSTILE_KEYS[0]!}`), { removed: { l1: 1, l2: 1, l3: 1 }, failed: [] });
    // 'h:a_b' starts with 'h:a_'; 'h:a%_…' would too if '_' were a wildcard
    assert.deepEqual(await cache.invalidatePrefix('h:a_'), { removed: { l1: 1, l2: 1, l3: 1 }, failed: [] }, "'_' matches only itself");
    assert.deepEqual(await cache.invalidatePrefix('h:a%_'), { removed: { l1: 1, l2: 1, l3: 1 }, failed: [] });
    assert.deepEqual(await cache.invalidateTag("t:x'; DROP TABLE docflow_cache; --"), { removed: { l1: 1, l2: 1, l3: 1 }, failed: [] });
    const rest = HOSTILE_KEYS.length - 4;
    assert.deepEqual(await cache.invalidateTag('hostile'), { removed: { l1: rest, l2: rest, l3: rest }, failed: [] });
    for (const k of HOSTILE_KEYS) assert.deepEqual(await where(cache, `h:${k}`), { l1: undefined, l2: undefined, l3: undefined }, k);
    assert.deepEqual(await where(cache, 'h%'), { l1: 'lookalike', l2: 'lookalike', l3: 'lookalike' });
    assert.deepEqual(await where(cache, 'keep'), { l1: 1, l2: 1, l3: 1 });
    assert.deepEqual(await cache.invalidatePrefix(''), { removed: { l1: 2, l2: 2, l3: 2 }, failed: [] });
  });

  it('runs compute once for 100 concurrent misses through all levels', async () => {
    let calls = 0;
    const results = await Promise.all(Array.from({ length: 100 }, () => cache.getOrCompute('sf', async () => {
      calls++;
      await sleep(20);
      return { computed: true };
    }, { tags: ['sf'] })));
    assert.equal(calls, 1);
    assert.ok(results.every((r) => r === results[0]));
    assert.deepEqual(await where(cache, 'sf'), { l1: { computed: true }, l2: { computed: true }, l3: { computed: true } });
    assert.equal(cache.stats().coalesced, 99);
  });

  it('counts hits, misses and sets per level exactly', async () => {
    await cache.set('a', 1); // sets: l1 1, l2 1, l3 1
    await cache.get('a'); // l1 hit
    await cache.get('zz'); // l1, l2, l3 miss
    await cache.set('b', 2, { levels: ['l3'] }); // l3 set 2
    await cache.get('b'); // l1 miss, l2 miss, l3 hit -> write-back to l1 and l2
    await cache.get('b'); // l1 hit
    await cache.get('b', { levels: ['l2'] }); // l2 hit -> write-back to nothing faster in this call
    const s = cache.stats();
    assert.deepEqual(
      { hits: s.l1.hits, misses: s.l1.misses, sets: s.l1.sets, writeBacks: s.l1.writeBacks },
      { hits: 2, misses: 2, sets: 1, writeBacks: 1 },
    );
    assert.ok(s.l2.enabled && s.l3.enabled);
    if (!s.l2.enabled || !s.l3.enabled) return;
    assert.deepEqual({ hits: s.l2.hits, misses: s.l2.misses, sets: s.l2.sets, writeBacks: s.l2.writeBacks, errors: s.l2.errors }, { hits: 1, misses: 2, sets: 1, writeBacks: 1, errors: 0 });
    assert.deepEqual({ hits: s.l3.hits, misses: s.l3.misses, sets: s.l3.sets, errors: s.l3.errors }, { hits: 1, misses: 1, sets: 2, errors: 0 });
    assert.equal(s.degraded, false);
    assert.equal(s.l1.entries, 2);
    assert.ok(s.l1.bytes > 0);
    JSON.stringify(s); // plain data
  });

  it('another process sees what this one wrote, through L2 and L3', async () => {
    await using other = await open();
    let calls = 0;
    const compute = () => {
      calls++;
      return { shared: true };
    };
    assert.deepEqual(await cache.getOrCompute('shared', compute), { shared: true });
    assert.deepEqual(await other.getOrCompute('shared', compute), { shared: true });
    assert.equal(calls, 1);
    const s = other.stats();
    assert.ok(s.l2.enabled && s.l2.hits === 1);
    await cache.delete('shared');
    assert.deepEqual(other.peek('shared'), { shared: true }, "the other process's L1 copy lives on until l1.ttlMs");
    assert.equal(await other.get('shared', { levels: ['l2', 'l3'] }), undefined);
  });

  it('sweeps expired rows out of L3', async () => {
    await cache.set('gone', 1, { levels: ['l3'], ttlMs: 50 });
    await cache.set('stays', 2, { levels: ['l3'] });
    await sleep(100);
    assert.equal(await cache.sweep(), 1);
    assert.equal(await cache.get('stays', { levels: ['l3'] }), 2);
  });

  it('keeps a value the codec cannot carry in L1 only, and counts it', async () => {
    // nested past the codec's maxDepth (64)
    let odd: unknown = 'leaf';
    for (let i = 0; i < 100; i++) odd = { down: odd };
    await cache.set('odd', odd);
    assert.equal(cache.peek('odd'), odd);
    assert.equal(await cache.get('odd', { levels: ['l2'] }), undefined);
    assert.equal(cache.stats().encodeErrors, 1);
  });

  it('treats bytes that are not an envelope as a miss', async () => {
    await raw.set(`${keyPrefix}v:garbage`, Buffer.from([0xc1, 0x00]), 'PX', 10_000);
    assert.equal(await cache.get('garbage', { levels: ['l2'] }), undefined);
    const s = cache.stats().l2;
    assert.ok(s.enabled && s.decodeErrors === 1 && s.misses === 1 && !s.degraded);
  });
});
