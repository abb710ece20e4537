import assert from 'node:assert/strict';
import { DocflowError } from '../../src/errors/index.js';
import { ObjectPool, type ObjectFactory, type ObjectPoolOptions } from '../../src/pool/index.js';
import { waitFor } from './helpers.js';

interface Thing { id: number; bad?: boolean }

/** A factory that numbers its objects and records what it destroyed. */
class Things implements ObjectFactory<Thing> {
  next = 1;
  destroyed: number[] = [];
  failCreate = false;
  async create(): Promise<Thing> {
    await Promise.resolve();
    if (this.failCreate) throw new Error('cannot connect');
    return { id: this.next++ };
  }
  destroy(t: Thing): void { this.destroyed.push(t.id); }
}

function isCode(code: string) {
  return (err: unknown): boolean => err instanceof DocflowError && err.code === code && err.retryable;
}

describe('ObjectPool', function () {
  this.timeout(15_000);
  const open: ObjectPool<Thing>[] = [];
  function make(options: ObjectPoolOptions = {}, factory: ObjectFactory<Thing> = new Things()): ObjectPool<Thing> {
    const p = new ObjectPool(factory, options);
    open.push(p);
    return p;
  }
  afterEach(() => Promise.all(open.splice(0).map((p) => p.close())));

  it('reuses a released object (hit) and creates only when none is idle (miss)', async () => {
    const pool = make();
    const a = await pool.acquire();
    await pool.release(a);
    const b = await pool.acquire();
    assert.equal(b, a);
    const c = await pool.acquire();
    assert.notEqual(c, a);
    const s = pool.stats();
    assert.deepEqual([s.hits, s.misses, s.created, s.size, s.inUse, s.idle], [1, 2, 2, 2, 2, 0]);
  });

  it('never exceeds maxSize and serves waiters first come, first served', async () => {
    const factory = new Things();
    const pool = make({ maxSize: 2 }, factory);
    const a = await pool.acquire();
    const b = await pool.acquire();
    const order: string[] = [];
    const waiters = ['w1', 'w2', 'w3'].map((name) => pool.acquire().then((t) => { order.push(name); return t; }));
    await waitFor('three waiters', () => pool.stats().waiting === 3);
    await pool.release(a);
    await pool.release(b);
    const w1 = await waiters[0];
    await pool.release(w1 as Thing);
    const got = await Promise.all(waiters);
    assert.deepEqual(order, ['w1', 'w2', 'w3']);
    assert.deepEqual(got.map((t) => t.id), [a.id, b.id, a.id]);
    assert.equal(pool.stats().created, 2);
    assert.equal(factory.next, 3, 'no third object was made');
  });

  it('rejects with ERR_POOL_TIMEOUT after acquireTimeoutMs', async () => {
    const pool = make({ maxSize: 1, acquireTimeoutMs: 50 });
    await pool.acquire();
    await assert.rejects(pool.acquire(), isCode('ERR_POOL_TIMEOUT'));
    assert.deepEqual([pool.stats().timeouts, pool.stats().waiting], [1, 0]);
  });

  it('rejects a waiter whose signal fires with ERR_ABORTED', async () => {
    const pool = make({ maxSize: 1 });
    await pool.acquire();
    const ac = new AbortController();
    const waiting = pool.acquire(ac.signal);
    ac.abort();
    await assert.rejects(waiting, isCode('ERR_ABORTED'));
    assert.equal(pool.stats().waiting, 0);
    await assert.rejects(pool.acquire(AbortSignal.abort()), isCode('ERR_ABORTED'));
  });

  it('bounds the waiters with maxWaiters (ERR_POOL_QUEUE_FULL)', async () => {
    const pool = make({ maxSize: 1, maxWaiters: 1 });
    const held = await pool.acquire();
    const first = pool.acquire();
    await assert.rejects(pool.acquire(), isCode('ERR_POOL_QUEUE_FULL'));
    await pool.release(held);
    assert.equal(await first, held);
  });

  it('destroys an object that fails validation on return (false, or a throw) instead of reusing it', async () => {
    const factory = new Things();
    factory.next = 1;
    const validating: ObjectFactory<Thing> = {
      create: () => factory.create(),
      destroy: (t) => factory.destroy(t),
      validate: async (t) => {
        if (t.id === 2) throw new Error('probe failed');
        return !t.bad;
      },
    };
    const pool = make({}, validating);
    const a = await pool.acquire();
    a.bad = true;
    await pool.release(a);
    assert.deepEqual(factory.destroyed, [1]);
    const b = await pool.acquire();
    assert.equal(b.id, 2, 'a new object, not the invalid one');
    await pool.release(b);
    assert.deepEqual(factory.destroyed, [1, 2]);
    const c = await pool.acquire();
    await pool.release(c);
    assert.equal(await pool.acquire(), c, 'a valid object is reused');
    const s = pool.stats();
    assert.deepEqual([s.destroyed, s.created, s.misses, s.hits], [2, 3, 3, 1]);
  });

  it('evicts objects idle past idleTimeoutMs, longest idle first, down to minSize (injected clock)', async () => {
    let now = 0;
    const factory = new Things();
    const pool = make({ minSize: 1, idleTimeoutMs: 60_000, now: () => now }, factory);
    const [a, b, c] = [await pool.acquire(), await pool.acquire(), await pool.acquire()] as [Thing, Thing, Thing];
    await pool.release(a);
    now = 10;
    await pool.release(b);
    now = 20;
    await pool.release(c);
    now = 60_009;
    assert.equal(pool.evictIdle(), 1, 'only a has idled 60 s');
    assert.deepEqual(factory.destroyed, [a.id]);
    now = 1_000_000;
    assert.equal(pool.evictIdle(), 1, 'b goes, c stays for minSize');
    assert.deepEqual(factory.destroyed, [a.id, b.id]);
    const s = pool.stats();
    assert.deepEqual([s.size, s.idle, s.evicted, s.destroyed], [1, 1, 2, 2]);
    assert.equal(await pool.acquire(), c);
  });

  it('evicts idle objects by its own timer', async () => {
    const pool = make({ minSize: 1, idleTimeoutMs: 30 });
    const objs = [await pool.acquire(), await pool.acquire(), await pool.acquire()];
    for (const o of objs) await pool.release(o);
    await waitFor('eviction down to minSize', () => pool.stats().size === 1, 5000);
    assert.equal(pool.stats().evicted, 2);
  });

  it('start() pre-creates minSize objects, once', async () => {
    const pool = make({ minSize: 2 });
    const s1 = pool.start();
    assert.equal(pool.start(), s1);
    await s1;
    assert.deepEqual([pool.stats().created, pool.stats().idle], [2, 2]);
    await pool.acquire();
    assert.equal(pool.stats().hits, 1);
  });

  it('use() releases the object even when the function throws', async () => {
    const pool = make();
    await assert.rejects(pool.use(() => { throw new Error('parse failed'); }), /parse failed/);
    assert.deepEqual([pool.stats().inUse, pool.stats().idle], [0, 1]);
    assert.equal(await pool.use((t) => t.id), 1, 'the same object serves the next use');
  });

  it('fails an acquire with the factory error as a DocflowError, then recovers', async () => {
    const factory = new Things();
    const pool = make({}, factory);
    factory.failCreate = true;
    await assert.rejects(pool.acquire(), (err: unknown) => err instanceof DocflowError && /cannot connect/.test(err.message));
    assert.equal(pool.stats().size, 0);
    factory.failCreate = false;
    assert.equal((await pool.acquire()).id, 1);
  });

  it('refuses to release an object that is not in use', async () => {
    const pool = make();
    const a = await pool.acquire();
    await pool.release(a);
    await assert.rejects(pool.release(a), (err: unknown) => err instanceof DocflowError && err.code === 'ERR_INTERNAL');
    await assert.rejects(pool.release({ id: 99 }), /not in use/);
  });

  describe('resize()', () => {
    it('shrinking destroys idle objects now and in-use ones when they come back', async () => {
      const factory = new Things();
      const pool = make({ maxSize: 4 }, factory);
      const objs = await Promise.all([pool.acquire(), pool.acquire(), pool.acquire(), pool.acquire()]);
      await pool.release(objs[0] as Thing);
      await pool.release(objs[1] as Thing);
      pool.resize(1);
      assert.equal(factory.destroyed.length, 2, 'both idle objects were over the new size');
      await pool.release(objs[2] as Thing);
      assert.equal(factory.destroyed.length, 3, 'still over size: destroyed on return');
      await pool.release(objs[3] as Thing);
      assert.deepEqual([pool.stats().size, pool.stats().idle, pool.stats().maxSize], [1, 1, 1]);
    });

    it('growing serves waiters at once', async () => {
      const pool = make({ maxSize: 1 });
      await pool.acquire();
      const waiting = pool.acquire();
      pool.resize(2);
      assert.equal((await waiting).id, 2);
    });

    it('validates the new size', () => {
      const pool = make({ minSize: 2 });
      assert.throws(() => pool.resize(0), { name: 'TypeError', message: 'maxSize must be a positive integer' });
      assert.throws(() => pool.resize(1), { name: 'TypeError', message: 'maxSize must be at least minSize (2)' });
    });
  });

  describe('close()', () => {
    it('destroys idle objects now and in-use ones when released; refuses new acquires; idempotent', async () => {
      const factory = new Things();
      const pool = make({}, factory);
      const [held, idle] = [await pool.acquire(), await pool.acquire()];
      await pool.release(idle);
      const closing = pool.close();
      assert.equal(pool.close(), closing, 'the same promise');
      await closing;
      assert.deepEqual(factory.destroyed, [idle.id]);
      await assert.rejects(pool.acquire(), isCode('ERR_POOL_CLOSED'));
      await pool.release(held);
      assert.deepEqual(factory.destroyed, [idle.id, held.id], 'an in-use object is destroyed when it comes back');
      assert.equal(pool.stats().size, 0);
    });

    it('rejects waiters with ERR_POOL_CLOSED', async () => {
      const pool = make({ maxSize: 1 });
      await pool.acquire();
      const waiters = [pool.acquire(), pool.acquire()];
      await pool.close();
      for (const w of waiters) await assert.rejects(w, isCode('ERR_POOL_CLOSED'));
      assert.equal(pool.stats().waiting, 0);
    });

    it('rejects a pending waiter with ERR_POOL_CLOSED and destroys objects still being created', async () => {
      let finish: (() => void) | undefined;
      const factory = new Things();
      const slow: ObjectFactory<Thing> = {
        create: () => new Promise<Thing>((resolve) => { finish = () => resolve({ id: 42 }); }),
        destroy: (t) => factory.destroy(t),
      };
      const pool = make({}, slow);
      const waiting = pool.acquire();
      await waitFor('creation to start', () => finish !== undefined);
      const closing = pool.close();
      await assert.rejects(waiting, isCode('ERR_POOL_CLOSED'));
      finish?.();
      await closing;
      assert.deepEqual(factory.destroyed, [42]);
      assert.equal(pool.stats().size, 0);
    });
  });
});
