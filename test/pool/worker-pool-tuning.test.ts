import assert from 'node:assert/strict';
import { DocflowError } from '../../src/errors/index.js';
import { Gate, Pools, runTask, waitFor, type Ran } from './helpers.js';

function countBy<T>(xs: T[]): Map<T, number> {
  const m = new Map<T, number>();
  for (const x of xs) m.set(x, (m.get(x) ?? 0) + 1);
  return m;
}

describe('WorkerPool recycling and resizing', function () {
  this.timeout(20_000);
  const pools = new Pools();
  afterEach(() => pools.closeAll());

  describe('recycleAfterTasks', () => {
    it('replaces a thread after N tasks and loses no task (3N tasks → ≥ 3 threads)', async () => {
      const n = 2;
      const pool = pools.make({ threads: 2, recycleAfterTasks: n, maxQueue: 10 });
      const results = await Promise.all(Array.from({ length: 3 * n }, (_, i) => runTask(pool, { kind: 'sleep', ms: 10 + i })));
      assert.deepEqual(results.map((r) => r.value), [10, 11, 12, 13, 14, 15], 'every task came back, in order');
      const perThread = countBy(results.map((r) => r.threadId));
      assert.ok(perThread.size >= 3, `${perThread.size} distinct threads`);
      for (const [id, k] of perThread) assert.ok(k <= n, `thread ${id} ran ${k} tasks`);
      const s = pool.stats();
      assert.ok(s.recycled >= 2, `recycled ${s.recycled}`);
      assert.equal(s.completed, 3 * n);
      assert.equal(s.failed, 0);
      await waitFor('old threads to exit', () => pool.threads.length === 2);
    });

    it('never recycles with the default (0)', async () => {
      const pool = pools.make({ threads: 1 });
      const ids = new Set<number>();
      for (let i = 0; i < 5; i++) ids.add((await runTask(pool, { kind: 'echo', value: i })).threadId);
      assert.equal(ids.size, 1);
      assert.equal(pool.stats().recycled, 0);
    });
  });

  describe('recycleOnHeapGrowthMb', () => {
    it('replaces a worker whose heap keeps growing', async () => {
      const pool = pools.make({ threads: 1, recycleOnHeapGrowthMb: 12 });
      const results: Ran<number>[] = [];
      for (let i = 0; i < 6; i++) results.push(await runTask<number>(pool, { kind: 'retain', mb: 4 }));
      const s = pool.stats();
      assert.ok(s.recycled >= 1, `recycled ${s.recycled}`);
      assert.ok(new Set(results.map((r) => r.threadId)).size >= 2, 'a fresh thread took over');
      // Each retain keeps ≥ 4 MiB, so growth passes 12 MiB by the 4th retain on one thread at the latest.
      const most = Math.max(...results.map((r) => r.value ?? 0));
      assert.ok(most <= 4, `one thread retained ${most} chunks before being replaced`);
    });

    it('keeps a worker whose heap does not grow', async () => {
      const pool = pools.make({ threads: 1, recycleOnHeapGrowthMb: 12 });
      for (let i = 0; i < 8; i++) await runTask(pool, { kind: 'spin', iterations: 1000 });
      assert.equal(pool.stats().recycled, 0);
    });

    it('without the option a retaining worker is kept', async () => {
      const pool = pools.make({ threads: 1 });
      const results: Ran<number>[] = [];
      for (let i = 0; i < 3; i++) results.push(await runTask<number>(pool, { kind: 'retain', mb: 4 }));
      assert.deepEqual(results.map((r) => r.value), [1, 2, 3]);
      assert.equal(pool.stats().recycled, 0);
    });
  });

  describe('resize()', () => {
    it('growing lets queued tasks run on the new threads', async () => {
      const pool = pools.make({ threads: 1, maxQueue: 10 });
      const count = new Int32Array(new SharedArrayBuffer(4));
      // Three tasks that can only finish together: impossible on 1 thread, so they wait for resize.
      const tasks = Array.from({ length: 3 }, () => runTask<{ sawAll: boolean }>(pool, { kind: 'barrier', count, parties: 3, timeoutMs: 8000 }));
      await waitFor('the first task to run', () => Atomics.load(count, 0) === 1);
      pool.resize(3);
      assert.equal(pool.stats().threads, 3);
      const results = await Promise.all(tasks);
      assert.deepEqual(results.map((r) => r.value?.sawAll), [true, true, true]);
      assert.equal(new Set(results.map((r) => r.threadId)).size, 3);
    });

    it('shrinking lets running tasks finish, runs the queued ones and ends with the new size', async () => {
      const pool = pools.make({ threads: 3, maxQueue: 10 });
      const gates = [new Gate(), new Gate(), new Gate()];
      const running = gates.map((g, i) => runTask(pool, g.task(`r${i}`)));
      await waitFor('three tasks to run', () => gates.every((g) => g.started));
      const queued = Array.from({ length: 4 }, (_, i) => runTask(pool, { kind: 'echo', value: `q${i}` }));
      pool.resize(1);
      assert.equal(pool.stats().threads, 1);
      assert.equal(pool.stats().running, 3, 'running tasks are not interrupted');
      for (const g of gates) g.open();
      const results = await Promise.all([...running, ...queued]);
      assert.deepEqual(results.map((r) => r.value), ['r0', 'r1', 'r2', 'q0', 'q1', 'q2', 'q3']);
      await waitFor('retired threads to exit', () => pool.threads.length === 1);
      assert.equal(new Set(results.slice(3).map((r) => r.threadId)).size, 1, 'queued tasks ran on the one thread left');
      assert.equal(pool.stats().failed, 0);
    });

    it('growing again takes back threads that were retiring', async () => {
      const pool = pools.make({ threads: 2 });
      const gates = [new Gate(), new Gate()];
      const running = gates.map((g) => runTask(pool, g.task()));
      await waitFor('two tasks to run', () => gates.every((g) => g.started));
      pool.resize(1);
      pool.resize(2);
      for (const g of gates) g.open();
      await Promise.all(running);
      assert.equal(pool.threads.length, 2);
      assert.deepEqual([pool.stats().threads, pool.stats().failed], [2, 0]);
    });

    it('rejects a bad size and refuses after close', async () => {
      const pool = pools.make();
      for (const bad of [0, -1, 1.5, Number.NaN]) {
        assert.throws(() => pool.resize(bad), { name: 'TypeError', message: 'threads must be a positive integer' });
      }
      await pool.close();
      assert.throws(() => pool.resize(2), (err: unknown) => err instanceof DocflowError && err.code === 'ERR_POOL_CLOSED');
    });

    it('maxQueue follows threads × 4 unless it was set', async () => {
      const pool = pools.make({ threads: 1 });
      pool.resize(2);
      const gates = [new Gate(), new Gate()];
      const all = gates.map((g) => runTask(pool, g.task()));
      await waitFor('two tasks to run', () => gates.every((g) => g.started));
      for (let i = 0; i < 8; i++) all.push(runTask(pool, { kind: 'echo', value: i }));
      await assert.rejects(runTask(pool, { kind: 'echo', value: 'x' }), { code: 'ERR_POOL_QUEUE_FULL' });
      for (const g of gates) g.open();
      await Promise.all(all);
    });
  });
});
