import assert from 'node:assert/strict';
import { DocflowError } from '../../src/errors/index.js';
import { WorkerPool } from '../../src/pool/index.js';
import { Gate, Pools, RAW, runTask, waitFor } from './helpers.js';

/** Assert that `p` rejects with a DocflowError of `code` and the given retryability. */
async function rejectsWith(p: Promise<unknown>, code: string, retryable: boolean, message?: RegExp): Promise<DocflowError> {
  let caught: unknown;
  await p.then(() => assert.fail(`expected ${code}, got a result`), (err: unknown) => { caught = err; });
  assert.ok(caught instanceof DocflowError, `expected a DocflowError, got ${String(caught)}`);
  assert.equal(caught.code, code);
  assert.equal(caught.retryable, retryable);
  if (message) assert.match(caught.message, message);
  return caught;
}

describe('WorkerPool', function () {
  this.timeout(20_000);
  const pools = new Pools();
  afterEach(() => pools.closeAll());

  it('returns results computed on worker threads', async () => {
    const pool = pools.make({ threads: 2 });
    const [a, b] = await Promise.all([runTask(pool, { kind: 'echo', value: { x: 1 } }), runTask(pool, { kind: 'spin', iterations: 10_000 })]);
    assert.deepEqual(a?.value, { x: 1 });
    assert.equal(typeof b?.value, 'number');
    assert.notEqual(a?.threadId, 0, 'ran on a worker, not the main thread');
    const s = pool.stats();
    assert.equal(s.completed, 2);
    assert.equal(s.failed, 0);
    assert.equal(s.name, 'pool');
  });

  it('runs tasks in parallel on 2 threads (both meet at a barrier)', async () => {
    const pool = pools.make({ threads: 2 });
    const count = new Int32Array(new SharedArrayBuffer(4));
    const task = { kind: 'barrier', count, parties: 2, timeoutMs: 8000 } as const;
    const [a, b] = await Promise.all([runTask<{ sawAll: boolean }>(pool, task), runTask<{ sawAll: boolean }>(pool, task)]);
    assert.ok(a && b);
    assert.equal(a.value?.sawAll, true, 'task A saw task B running at the same time');
    assert.equal(b.value?.sawAll, true, 'task B saw task A running at the same time');
    assert.notEqual(a.threadId, b.threadId);
    assert.ok(Math.max(a.start, b.start) <= Math.min(a.end, b.end), 'the run intervals overlap');
  });

  it('rejects the overflow of a full queue with ERR_POOL_QUEUE_FULL; queued tasks still complete', async () => {
    const pool = pools.make({ threads: 1, maxQueue: 2 });
    const gate = new Gate();
    const running = runTask(pool, gate.task('first'));
    await waitFor('the first task to run', () => gate.started);
    const queued = [runTask(pool, { kind: 'echo', value: 2 }), runTask(pool, { kind: 'echo', value: 3 })];
    assert.equal(pool.stats().queued, 2);
    await rejectsWith(runTask(pool, { kind: 'echo', value: 4 }), 'ERR_POOL_QUEUE_FULL', true, /queue is full/);
    gate.open();
    const results = await Promise.all([running, ...queued]);
    assert.deepEqual(results.map((r) => r.value), ['first', 2, 3]);
    assert.equal(pool.stats().rejected, 1);
  });

  it('defaults maxQueue to threads × 4', async () => {
    const pool = pools.make({ threads: 1 });
    const gate = new Gate();
    const all = [runTask(pool, gate.task())];
    await waitFor('the first task to run', () => gate.started);
    for (let i = 0; i < 4; i++) all.push(runTask(pool, { kind: 'echo', value: i }));
    await rejectsWith(runTask(pool, { kind: 'echo', value: 'x' }), 'ERR_POOL_QUEUE_FULL', true);
    gate.open();
    await Promise.all(all);
  });

  it('aborts a running task with ERR_ABORTED, replaces its thread and keeps serving', async () => {
    const pool = pools.make({ threads: 1 });
    const gate = new Gate();
    const before = await runTask(pool, { kind: 'echo', value: 0 });
    const ac = new AbortController();
    const p = runTask(pool, gate.task(), ac.signal);
    await waitFor('the task to run', () => gate.started);
    ac.abort(new Error('user cancelled'));
    await rejectsWith(p, 'ERR_ABORTED', true);
    const after = await runTask(pool, { kind: 'echo', value: 1 });
    assert.equal(after.value, 1);
    assert.notEqual(after.threadId, before.threadId, 'the aborted thread was replaced');
  });

  it('aborts a queued task without disturbing the running one', async () => {
    const pool = pools.make({ threads: 1 });
    const gate = new Gate();
    const running = runTask(pool, gate.task('kept'));
    await waitFor('the first task to run', () => gate.started);
    const ac = new AbortController();
    const queued = runTask(pool, { kind: 'echo', value: 'never' }, ac.signal);
    assert.equal(pool.stats().queued, 1);
    ac.abort();
    await rejectsWith(queued, 'ERR_ABORTED', true);
    assert.equal(pool.stats().queued, 0);
    gate.open();
    assert.equal((await running).value, 'kept');
  });

  it('rejects at once a task whose signal is already aborted', async () => {
    const pool = pools.make();
    await rejectsWith(runTask(pool, { kind: 'echo', value: 1 }, AbortSignal.abort()), 'ERR_ABORTED', true);
  });

  it('times a task out with ERR_STAGE_TIMEOUT and serves the next one on a fresh thread', async () => {
    const pool = pools.make({ threads: 1, taskTimeoutMs: 150 });
    const first = await runTask(pool, { kind: 'echo', value: 0 });
    await rejectsWith(runTask(pool, { kind: 'sleep', ms: 60_000 }), 'ERR_STAGE_TIMEOUT', true, /150 ms/);
    const next = await runTask(pool, { kind: 'echo', value: 'ok' });
    assert.equal(next.value, 'ok');
    assert.notEqual(next.threadId, first.threadId);
  });

  it('starts a task\'s timeout when its thread starts it, not while a fresh thread loads the module', async () => {
    // Each timeout replaces the thread; if loading counted, every later task would time out in turn.
    const pool = pools.make({ filename: new URL('../fixtures/workers/slow-boot.js', import.meta.url), threads: 1, taskTimeoutMs: 200 });
    assert.equal(await pool.run({ value: 'first' }), 'first');
    assert.equal(await pool.run({ value: 'second' }), 'second');
    assert.equal(pool.stats().failed, 0);
  });

  it('rebuilds the task\'s own error, keeping a DocflowError\'s code; the thread survives', async () => {
    const pool = pools.make({ threads: 1 });
    const plain = await rejectsWith(runTask(pool, { kind: 'throw', message: 'bad input' }), 'ERR_INTERNAL', false, /bad input/);
    assert.doesNotMatch(plain.message, /died/);
    await rejectsWith(runTask(pool, { kind: 'throw', message: 'typed', docflow: true }), 'ERR_STAGE_TIMEOUT', true, /typed/);
    const [a, b] = [await runTask(pool, { kind: 'echo', value: 1 }), await runTask(pool, { kind: 'echo', value: 2 })];
    assert.equal(a.threadId, b.threadId, 'a task error does not cost the thread');
    assert.equal(pool.stats().failed, 2);
  });

  for (const [how, crash] of [
    ['throws an uncaught error', { kind: 'uncaught' }],
    ['calls process.exit(1)', { kind: 'exit', code: 1 }],
  ] as const) {
    it(`a worker that ${how} fails only its task (ERR_WORKER_DIED); the others complete`, async () => {
      const pool = pools.make({ threads: 2 });
      const others = Array.from({ length: 6 }, (_, i) => runTask(pool, { kind: 'sleep', ms: 20 + i }));
      await rejectsWith(runTask(pool, crash), 'ERR_WORKER_DIED', true, /worker thread died/);
      const done = await Promise.all(others);
      assert.deepEqual(done.map((r) => r.value), [20, 21, 22, 23, 24, 25]);
      assert.equal((await runTask(pool, { kind: 'echo', value: 'still serving' })).value, 'still serving');
      assert.equal(pool.stats().failed, 1);
    });
  }

  it('a worker killed with worker.terminate() fails only its task; the pool keeps serving', async () => {
    const pool = pools.make({ threads: 2 });
    const gate = new Gate();
    const doomed = runTask(pool, gate.task());
    await waitFor('the task to run', () => gate.started);
    const other = runTask(pool, { kind: 'sleep', ms: 50 });
    const victim = pool.threads.find((w) => w.threadId === gate.threadId);
    assert.ok(victim);
    await victim.terminate();
    await rejectsWith(doomed, 'ERR_WORKER_DIED', true, /died/);
    assert.equal((await other).value, 50);
    assert.equal((await runTask(pool, { kind: 'echo', value: 1 })).value, 1);
  });

  it('a worker over its resourceLimits dies with ERR_WORKER_DIED', async () => {
    const pool = pools.make({ threads: 1, resourceLimits: { maxOldGenerationSizeMb: 24, maxYoungGenerationSizeMb: 4 } });
    await rejectsWith(runTask(pool, { kind: 'oom' }), 'ERR_WORKER_DIED', true);
    assert.equal((await runTask(pool, { kind: 'echo', value: 'after' })).value, 'after');
  });

  it('fails a task that cannot be sent to a thread with a non-retryable ERR_INTERNAL', async () => {
    const pool = pools.make({ threads: 1 });
    await rejectsWith(pool.run({ kind: 'echo', value: () => 1 }), 'ERR_INTERNAL', false, /cannot be sent/);
    assert.equal((await runTask(pool, { kind: 'echo', value: 'fine' })).value, 'fine');
  });

  it('refuses replies of a module that does not use defineWorker', async () => {
    const pool = pools.make({ filename: RAW });
    await rejectsWith(pool.run({ a: 1 }), 'ERR_INTERNAL', false, /defineWorker/);
  });

  it('reports stats: heap per live worker and utilization in (0, 1]', async () => {
    const pool = pools.make({ threads: 2, name: 'extract' });
    await Promise.all(Array.from({ length: 4 }, () => runTask(pool, { kind: 'sleep', ms: 40 })));
    const s = pool.stats();
    assert.equal(s.name, 'extract');
    assert.equal(s.threads, 2);
    assert.equal(s.running, 0);
    assert.equal(s.queued, 0);
    assert.equal(s.completed, 4);
    assert.equal(s.workerHeapBytes.length, 2);
    for (const h of s.workerHeapBytes) assert.ok(h > 1024 * 1024, `heap ${h} looks like a V8 heap`);
    assert.ok(s.utilization > 0 && s.utilization <= 1, `utilization ${s.utilization}`);
  });

  describe('close()', () => {
    it('is idempotent, lets a running task finish, rejects queued and new tasks with ERR_POOL_CLOSED', async () => {
      const pool = pools.make({ threads: 1, closeGraceMs: 10_000 });
      const gate = new Gate();
      const running = runTask(pool, gate.task('finished'));
      await waitFor('the task to run', () => gate.started);
      const queued = runTask(pool, { kind: 'echo', value: 1 });
      const c1 = pool.close();
      assert.equal(pool.close(), c1, 'the same promise');
      await rejectsWith(queued, 'ERR_POOL_CLOSED', true);
      await rejectsWith(runTask(pool, { kind: 'echo', value: 2 }), 'ERR_POOL_CLOSED', true);
      gate.open();
      assert.equal((await running).value, 'finished');
      await c1;
      assert.equal(pool.threads.length, 0);
    });

    it('kills tasks still running after the grace period (ERR_POOL_CLOSED)', async () => {
      const pool = pools.make({ threads: 1, closeGraceMs: 100 });
      const gate = new Gate();
      const running = runTask(pool, gate.task());
      await waitFor('the task to run', () => gate.started);
      const rejected = rejectsWith(running, 'ERR_POOL_CLOSED', true);
      await pool.close();
      await rejected;
      assert.equal(pool.threads.length, 0);
    });

    it('supports await using', async () => {
      let outer: WorkerPool | undefined;
      {
        await using pool = new WorkerPool({ filename: new URL('../fixtures/workers/tasks.js', import.meta.url) });
        outer = pool;
        assert.equal((await runTask(pool, { kind: 'echo', value: 1 })).value, 1);
      }
      await rejectsWith(runTask(outer, { kind: 'echo', value: 1 }), 'ERR_POOL_CLOSED', true);
    });
  });
});
