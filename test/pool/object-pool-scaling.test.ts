import assert from 'node:assert/strict';
import { nextMaxSize, ObjectPool, type AutoscaleSample, type ObjectPoolOptions } from '../../src/pool/index.js';
import { waitFor } from './helpers.js';

describe('ObjectPool autoscaling', function () {
  this.timeout(15_000);

  describe('nextMaxSize()', () => {
    const base: AutoscaleSample = { maxSize: 4, minSize: 1, ceiling: 6, size: 4, idle: 0, waited: false };
    const cases: [string, Partial<AutoscaleSample>, number][] = [
      ['grows by 1 when callers waited', { waited: true }, 5],
      ['stops growing at the ceiling', { waited: true, maxSize: 6 }, 6],
      ['leaves a cap set above the ceiling alone', { waited: true, maxSize: 9 }, 9],
      ['shrinks by 1 when more than half is idle', { idle: 3 }, 3],
      ['keeps the size when half or less is idle', { idle: 2 }, 4],
      ['shrinks when nothing is alive', { size: 0, idle: 0 }, 3],
      ['does not shrink below minSize', { maxSize: 2, minSize: 2, idle: 2, size: 2 }, 2],
      ['does not shrink below 1', { maxSize: 1, minSize: 0, size: 1, idle: 1 }, 1],
      ['prefers growing when callers waited even with idle objects', { waited: true, idle: 4 }, 5],
    ];
    for (const [what, patch, want] of cases) {
      it(what, () => assert.equal(nextMaxSize({ ...base, ...patch }), want));
    }
  });

  it('grows maxSize under waiting load up to autoscaleMax, then shrinks it when idle', async () => {
    const created: number[] = [];
    const destroyed: number[] = [];
    let n = 0;
    const options: ObjectPoolOptions = { maxSize: 1, autoscale: true, autoscaleIntervalMs: 20, autoscaleMax: 3, acquireTimeoutMs: 10_000 };
    const pool = new ObjectPool({ create: async () => { created.push(++n); return { n }; }, destroy: (o) => { destroyed.push(o.n); } }, options);
    try {
      const first = await pool.acquire();
      const waiters = [pool.acquire(), pool.acquire(), pool.acquire()] as const;
      await waitFor('maxSize to grow to the ceiling', () => pool.stats().maxSize === 3);
      const served = await Promise.race([Promise.all(waiters.slice(0, 2)), new Promise((r) => setTimeout(r, 5000, 'stuck'))]);
      assert.notEqual(served, 'stuck', 'growing served two waiters');
      assert.equal(pool.stats().waiting, 1, 'the third still waits: the ceiling holds');
      assert.equal(created.length, 3);
      await pool.release(first);
      const third = await waiters[2];
      for (const o of [...(await Promise.all(waiters.slice(0, 2))), third]) await pool.release(o);
      await waitFor('maxSize to shrink back to 1', () => pool.stats().maxSize === 1);
      await waitFor('the surplus objects to go', () => pool.stats().size <= 1);
      assert.equal(destroyed.length, 2);
    } finally {
      await pool.close();
    }
  });

  it('does not grow when every caller is served under the cap', async () => {
    const pool = new ObjectPool({ create: async () => ({}) }, { maxSize: 2, autoscale: true, autoscaleIntervalMs: 10 });
    try {
      await Promise.all([pool.acquire(), pool.acquire()]);
      await new Promise((r) => setTimeout(r, 150));
      assert.equal(pool.stats().maxSize, 2, 'creating objects under the cap is not waiting');
    } finally {
      await pool.close();
    }
  });

  it('does nothing without the option', async () => {
    const pool = new ObjectPool({ create: async () => ({}) }, { maxSize: 1, autoscaleIntervalMs: 10, acquireTimeoutMs: 100 });
    try {
      await pool.acquire();
      await assert.rejects(pool.acquire(), { code: 'ERR_POOL_TIMEOUT' });
      assert.equal(pool.stats().maxSize, 1);
    } finally {
      await pool.close();
    }
  });
});
