import assert from 'node:assert/strict';
import { Cache, type CacheOptionsInput } from '../../src/cache/index.js';
import { HOSTILE_KEYS, waitFor } from './helpers.js';

/** A cache with L1 only (no Redis URL, L3 off). */
function memoryCache(l1: CacheOptionsInput['l1'] = {}): Promise<Cache> {
  return Cache.open({ l1, l3: { enabled: false }, levels: ['l1'] });
}

describe('cache L1 (memory)', () => {
  it('expires an entry after its TTL', async () => {
    await using cache = await memoryCache();
    await cache.set('k', { v: 1 }, { ttlMs: 200 });
    assert.deepEqual(await cache.get('k'), { v: 1 });
    await waitFor('L1 expiry', async () => (await cache.get('k')) === undefined, 2_000);
    assert.ok(cache.stats().l1.expired >= 1);
    assert.equal(cache.stats().l1.entries, 0);
  });

  it('never keeps an entry longer than l1.ttlMs, whatever its own TTL', async () => {
    await using cache = await memoryCache({ ttlMs: 200 });
    await cache.set('k', 'v', { ttlMs: 3_600_000 });
    assert.equal(await cache.get('k'), 'v');
    await waitFor('L1 cap', async () => (await cache.get('k')) === undefined, 2_000);
  });

  it('evicts the least recently used entry at the entry bound, and counts it', async () => {
    await using cache = await memoryCache({ maxEntries: 3 });
    await cache.set('a', 1);
    await cache.set('b', 2);
    await cache.set('c', 3);
    assert.equal(await cache.get('a'), 1); // a is now the most recent; b the least
    await cache.set('d', 4);
    assert.deepEqual(await Promise.all(['a', 'b', 'c', 'd'].map((k) => cache.get(k))), [1, undefined, 3, 4]);
    // The reads above ran a, c, d in that order: a is now the least recently used.
    await cache.set('e', 5);
    assert.equal(cache.peek('a'), undefined);
    assert.deepEqual([cache.peek('c'), cache.peek('d'), cache.peek('e')], [3, 4, 5]);
    const s = cache.stats().l1;
    assert.equal(s.evictions, 2);
    assert.equal(s.entries, 3);
  });

  it('holds the byte bound: evicts oldest first, refuses a value larger than the bound', async () => {
    await using cache = await memoryCache({ maxBytes: 4_000 });
    for (let i = 0; i < 20; i++) await cache.set(`k${i}`, 'x'.repeat(900));
    const s = cache.stats().l1;
    assert.ok(s.bytes <= 4_000, `bytes ${s.bytes}`);
    assert.ok(s.bytes > 2_000, `bytes ${s.bytes}`);
    assert.ok(s.entries >= 2 && s.entries <= 4, `entries ${s.entries}`);
    assert.equal(s.evictions, 20 - s.entries);
    assert.equal(await cache.get('k0'), undefined);
    assert.equal(await cache.get('k19'), 'x'.repeat(900));

    await cache.set('huge', 'y'.repeat(10_000));
    assert.equal(await cache.get('huge'), undefined);
    assert.equal(cache.stats().l1.tooLarge, 1);
    assert.equal(await cache.get('k19'), 'x'.repeat(900), 'a refused value evicts nothing');
  });

  it('trim(fraction) drops the least recently used part, counted apart from evictions', async () => {
    await using cache = await memoryCache();
    for (let i = 0; i < 10; i++) await cache.set(`k${i}`, i);
    for (let i = 5; i < 10; i++) await cache.get(`k${i}`);
    assert.equal(cache.trim(0.5), 5);
    const present = await Promise.all(Array.from({ length: 10 }, (_, i) => cache.get(`k${i}`)));
    assert.deepEqual(present, [undefined, undefined, undefined, undefined, undefined, 5, 6, 7, 8, 9]);
    assert.equal(cache.stats().l1.trimmed, 5);
    assert.equal(cache.stats().l1.evictions, 0);
    assert.equal(cache.trim(0), 0);
    assert.equal(cache.trim(1), 5);
    assert.throws(() => cache.trim(1.5), /fraction must be a number from 0 to 1/);
  });

  it('invalidates by prefix and by tag, taking hostile keys literally', async () => {
    await using cache = await memoryCache();
    for (const k of HOSTILE_KEYS) await cache.set(`h:${k}`, k, { tags: [`tag:${k}`] });
    await cache.set('other', 1, { tags: ['keep'] });
    await cache.set('h%', 'lookalike');
    const one = HOSTILE_KEYS[0]!; // '100%'
    assert.equal((await cache.invalidatePrefix('h:100%')).removed.l1, 1);
    assert.equal(await cache.get(`h:${one}`), undefined);
    assert.equal(await cache.get('h%'), 'lookalike', "'%' is not a wildcard");
    assert.equal((await cache.invalidateTag("tag:x'; DROP TABLE docflow_cache; --")).removed.l1, 1);
    assert.equal(await cache.get("h:x'; DROP TABLE docflow_cache; --"), undefined);
    assert.equal((await cache.invalidatePrefix('h:')).removed.l1, HOSTILE_KEYS.length - 2);
    assert.equal(await cache.get('other'), 1);
    assert.equal((await cache.invalidateTag('keep')).removed.l1, 1);
    assert.equal(await cache.get('other'), undefined);
  });

  it('re-tagging an entry moves it between tags', async () => {
    await using cache = await memoryCache();
    await cache.set('k', 1, { tags: ['old'] });
    await cache.set('k', 2, { tags: ['new'] });
    assert.equal((await cache.invalidateTag('old')).removed.l1, 0);
    assert.equal(await cache.get('k'), 2);
    assert.equal((await cache.invalidateTag('new')).removed.l1, 1);
  });

  it('a re-set without tags, an eviction and a delete each take the key out of its tags', async () => {
    await using cache = await memoryCache({ maxEntries: 2 });
    await cache.set('k', 1, { tags: ['t'] });
    await cache.set('k', 2);
    assert.equal((await cache.invalidateTag('t')).removed.l1, 0);
    assert.equal(await cache.get('k'), 2);
    await cache.set('e', 1, { tags: ['t'] });
    await cache.set('f', 1);
    await cache.set('g', 1); // 'f' evicted 'k'; 'g' evicts 'e'
    assert.equal(cache.stats().l1.evictions, 2);
    await cache.set('e', 'again'); // untagged now: the evicted entry's tag must not reach it
    assert.equal((await cache.invalidateTag('t')).removed.l1, 0);
    assert.equal(await cache.get('e'), 'again');
  });

  it('keeps falsy values as hits: 0, false, the empty string', async () => {
    await using cache = await memoryCache();
    await cache.set('zero', 0);
    await cache.set('no', false);
    await cache.set('empty', '');
    assert.equal(await cache.get('zero'), 0);
    assert.equal(await cache.get('no'), false);
    assert.equal(await cache.get('empty'), '');
    assert.equal(await cache.getOrCompute('zero', () => 99), 0);
    assert.deepEqual(await cache.getMany(['zero', 'no', 'empty']), [0, false, '']);
    assert.equal(cache.stats().l1.misses, 0);
  });

  it('counts hits, misses and sets; peek reads L1 synchronously; undefined is never stored', async () => {
    await using cache = await memoryCache();
    await cache.set('a', 1);
    await cache.set('b', null);
    await cache.set('u', undefined);
    assert.equal(await cache.get('a'), 1);
    assert.equal(await cache.get('b'), null);
    assert.equal(await cache.get('u'), undefined);
    assert.equal(cache.peek('a'), 1);
    assert.deepEqual(await cache.getMany(['a', 'x', 'b']), [1, undefined, null]);
    const s = cache.stats();
    assert.equal(s.l1.sets, 2);
    assert.equal(s.l1.hits, 5);
    assert.equal(s.l1.misses, 2);
    assert.deepEqual(s.l2, { enabled: false, degraded: false });
    assert.deepEqual(s.l3, { enabled: false, degraded: false });
    assert.equal(s.degraded, false);
  });

  it("refuses the caller's mistakes with a TypeError", async () => {
    await using cache = await memoryCache();
    await assert.rejects(cache.set('k', 1, { ttlMs: 0 }), /ttlMs must be a positive number/);
    await assert.rejects(cache.set('', 1), /key must be a non-empty string/);
    await assert.rejects(cache.set('k', 1, { tags: [''] }), /a tag must be a non-empty string/);
    await assert.rejects(cache.get('k', { levels: ['l9' as 'l1'] }), /opts.levels must be/);
    await assert.rejects(Cache.open({ l3: { enabled: true } }), /deps.db is required/);
  });

  it('close() is idempotent and afterwards nothing is stored', async () => {
    const cache = await memoryCache();
    await cache.set('k', 1);
    await Promise.all([cache.close(), cache.close()]);
    await cache.set('k2', 2);
    assert.equal(await cache.get('k2'), undefined);
    assert.equal(await cache.getOrCompute('k3', () => 3), 3);
    assert.equal(await cache.get('k3'), undefined);
  });
});
