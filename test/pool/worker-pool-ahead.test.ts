import assert from 'node:assert/strict';
import { Gate, Pools, runTask, waitFor } from './helpers.js';

/**
 * Each thread holds the task it runs and the next one, posted ahead. A task posted ahead is still
 * waiting work: it must never share the fate of the task in front of it.
 */
describe('WorkerPool tasks posted ahead to a busy thread', function () {
  this.timeout(20_000);
  const pools = new Pools();
  afterEach(() => pools.closeAll());

  for (const [how, crash] of [
    ['throws an uncaught error', 'uncaught'],
    ['calls process.exit(1)', 'exit'],
  ] as const) {
    it(`a thread that ${how} fails only its running task; the one waiting behind it runs on the next thread`, async () => {
      const pool = pools.make({ threads: 1 });
      const first = await runTask(pool, { kind: 'echo', value: 0 });
      const gate = new Gate();
      const blocker = runTask(pool, gate.task('blocker'));
      await waitFor('the blocker to run', () => gate.started);
      // Both wait behind the blocker: the crash task is posted to the thread, the echo queued.
      const doomed = runTask(pool, crash === 'uncaught' ? { kind: 'uncaught' } : { kind: 'exit', code: 1 }).catch((err: unknown) => err);
      const waiting = runTask(pool, { kind: 'echo', value: 'survivor' });
      gate.open();
      assert.equal((await blocker).value, 'blocker');
      const err = await doomed;
      assert.equal((err as { code?: string }).code, 'ERR_WORKER_DIED');
      const survivor = await waiting;
      assert.equal(survivor.value, 'survivor');
      assert.notEqual(survivor.threadId, first.threadId, 'it ran on the replacement thread');
      assert.equal(pool.stats().failed, 1);
    });
  }

  it('a thread killed from outside gives back the task waiting behind its running one', async () => {
    const pool = pools.make({ threads: 1 });
    const gate = new Gate();
    const doomed = runTask(pool, gate.task()).catch((err: unknown) => err);
    await waitFor('the task to run', () => gate.started);
    const waiting = runTask(pool, { kind: 'echo', value: 'moved' });
    assert.equal(pool.stats().queued, 1);
    await pool.threads.find((w) => w.threadId === gate.threadId)?.terminate();
    assert.equal(((await doomed) as { code?: string }).code, 'ERR_WORKER_DIED');
    assert.equal((await waiting).value, 'moved');
    assert.equal(pool.stats().failed, 1);
  });

  it('an idle thread takes over a task waiting behind a long one on another thread', async () => {
    const pool = pools.make({ threads: 2 });
    const long = new Gate();
    const short = new Gate();
    const longTask = runTask(pool, long.task('long'));
    const shortTask = runTask(pool, short.task('short'));
    await waitFor('both to run', () => long.started && short.started);
    // Posted behind the task that started first (the long one).
    const waiting = runTask(pool, { kind: 'echo', value: 'taken over' });
    short.open();
    await shortTask;
    // The long task still runs: the echo can only finish because the other thread took it.
    const r = await waiting;
    assert.equal(r.value, 'taken over');
    assert.notEqual(r.threadId, long.threadId);
    assert.equal(pool.stats().running, 1);
    long.open();
    assert.equal((await longTask).value, 'long');
  });

  it('aborting a task waiting behind a running one keeps the thread', async () => {
    const pool = pools.make({ threads: 1 });
    const gate = new Gate();
    const running = runTask(pool, gate.task('kept'));
    await waitFor('the task to run', () => gate.started);
    const ac = new AbortController();
    const aborted = runTask(pool, { kind: 'echo', value: 'never' }, ac.signal).catch((err: unknown) => err);
    const after = runTask(pool, { kind: 'echo', value: 'next' });
    ac.abort();
    assert.equal(((await aborted) as { code?: string }).code, 'ERR_ABORTED');
    gate.open();
    assert.equal((await running).value, 'kept');
    const next = await after;
    assert.equal(next.value, 'next');
    assert.equal(next.threadId, gate.threadId, 'the same thread: the abort did not cost it');
  });

  it('measures the task timeout from when the task starts, not from when it was posted', async () => {
    // Each task runs 600 ms, under the 1000 ms timeout; the second waits 600 ms on the thread first.
    const pool = pools.make({ threads: 1, taskTimeoutMs: 1_000 });
    const results = await Promise.all([runTask(pool, { kind: 'sleep', ms: 600 }), runTask(pool, { kind: 'sleep', ms: 600 })]);
    assert.deepEqual(results.map((r) => r.value), [600, 600]);
    assert.equal(results[0]!.threadId, results[1]!.threadId);
  });

  it('close() rejects the tasks waiting on threads with ERR_POOL_CLOSED and lets the running ones finish', async () => {
    const pool = pools.make({ threads: 2, closeGraceMs: 10_000 });
    const gates = [new Gate(), new Gate()];
    const running = gates.map((g, i) => runTask(pool, g.task(`r${i}`)));
    await waitFor('two tasks to run', () => gates.every((g) => g.started));
    const waiting = [runTask(pool, { kind: 'echo', value: 1 }), runTask(pool, { kind: 'echo', value: 2 })].map((p) => p.catch((err: unknown) => err));
    assert.equal(pool.stats().queued, 2);
    const closed = pool.close();
    for (const w of await Promise.all(waiting)) assert.equal((w as { code?: string }).code, 'ERR_POOL_CLOSED');
    for (const g of gates) g.open();
    assert.deepEqual((await Promise.all(running)).map((r) => r.value), ['r0', 'r1']);
    await closed;
  });
});
