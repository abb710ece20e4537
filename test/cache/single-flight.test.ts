import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { Cache, cached, cachedMethod } from '../../src/cache/index.js';

const memoryCache = () => Cache.open({ l3: { enabled: false }, levels: ['l1'] });

describe('cache single flight and cached()', () => {
  it('runs compute once for 100 concurrent misses; everyone gets the same result', async () => {
    await using cache = await memoryCache();
    let calls = 0;
    const compute = async () => {
      calls++;
      await sleep(30);
      return { answer: 42 };
    };
    const results = await Promise.all(Array.from({ length: 100 }, () => cache.getOrCompute('k', compute)));
    assert.equal(calls, 1);
    assert.ok(results.every((r) => r === results[0]));
    assert.deepEqual(results[0], { answer: 42 });
    const s = cache.stats();
    assert.equal(s.computes, 1);
    assert.equal(s.coalesced, 99);
    assert.equal(s.inflight, 0);
    assert.equal(await cache.getOrCompute('k', compute), results[0], 'then served from the cache');
    assert.equal(calls, 1);
  });

  it('shares an error with every waiter and does not cache it', async () => {
    await using cache = await memoryCache();
    let calls = 0;
    const boom = new Error('provider down');
    const failing = async () => {
      calls++;
      await sleep(20);
      throw boom;
    };
    const settled = await Promise.allSettled(Array.from({ length: 100 }, () => cache.getOrCompute('k', failing)));
    assert.equal(calls, 1);
    assert.ok(settled.every((r) => r.status === 'rejected' && r.reason === boom));
    assert.equal(cache.stats().computeErrors, 1);
    assert.equal(await cache.get('k'), undefined);
    assert.equal(await cache.getOrCompute('k', () => 'fine'), 'fine', 'the next call computes again');
    assert.equal(await cache.get('k'), 'fine');
  });

  it('a compute that throws synchronously rejects like an async one', async () => {
    await using cache = await memoryCache();
    await assert.rejects(cache.getOrCompute('k', () => { throw new RangeError('sync'); }), RangeError);
    assert.equal(cache.stats().inflight, 0);
  });

  it('keeps keys apart: concurrent misses on different keys each compute', async () => {
    await using cache = await memoryCache();
    let calls = 0;
    const out = await Promise.all(['a', 'b', 'a', 'b', 'c'].map((k) => cache.getOrCompute(k, async () => { calls++; await sleep(5); return k.toUpperCase(); })));
    assert.deepEqual(out, ['A', 'B', 'A', 'B', 'C']);
    assert.equal(calls, 3);
  });

  it('cached() caches by arguments (object keys in any order), keeps `this`, applies ttl and tags', async () => {
    await using cache = await memoryCache();
    const seen: unknown[] = [];
    const service = {
      scale: 10,
      find(q: { name: string; limit: number }, page: number): Promise<number> {
        seen.push([q, page]);
        return Promise.resolve(this.scale * q.limit + page);
      },
    };
    const find = cached(cache, { prefix: 'find', ttlMs: 60_000, tags: (q: { name: string }) => [`name:${q.name}`] }, service.find);
    assert.equal(await find.call(service, { name: 'a', limit: 2 }, 1), 21);
    assert.equal(await find.call(service, { limit: 2, name: 'a' }, 1), 21);
    assert.equal(seen.length, 1);
    assert.equal(await find.call(service, { name: 'a', limit: 2 }, 2), 22);
    assert.equal(seen.length, 2);
    const concurrent = await Promise.all(Array.from({ length: 20 }, () => find.call(service, { name: 'b', limit: 1 }, 0)));
    assert.ok(concurrent.every((v) => v === 10));
    assert.equal(seen.length, 3);
    assert.equal((await cache.invalidateTag('name:a')).removed.l1, 2);
    assert.equal(await find.call(service, { name: 'a', limit: 2 }, 1), 21);
    assert.equal(seen.length, 4);
    assert.equal((await cache.invalidatePrefix('find:')).removed.l1, 2);
    assert.throws(() => cached(cache, { prefix: '' }, () => 1), /prefix must be a non-empty string/);
  });

  it('@cachedMethod caches a method through the instance’s cache', async () => {
    await using cache = await memoryCache();
    class Entities {
      calls = 0;
      constructor(readonly cache: Cache) {}
      @cachedMethod((self: Entities) => self.cache, { prefix: 'entities.byName' })
      async byName(name: string): Promise<string> {
        this.calls++;
        return `entity:${name}`;
      }
    }
    const e = new Entities(cache);
    assert.equal(await e.byName('x'), 'entity:x');
    assert.equal(await e.byName('x'), 'entity:x');
    assert.equal(await e.byName('y'), 'entity:y');
    assert.equal(e.calls, 2);
    assert.equal(await cache.get('entities.byName:["x"]'), 'entity:x');
  });
});
