import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { DocflowError } from '../../src/errors/index.js';
import { WorkerPool } from '../../src/pool/index.js';
import { TASKS } from './helpers.js';

describe('WorkerPool thread start-up and shutdown', function () {
  this.timeout(20_000);

  // Closing a pool while its threads boot must settle every task (ran, or ERR_POOL_CLOSED). It also
  // guards a Node 20 hazard (see worker-shim.cts): a thread terminated while require() loads an ES
  // module aborts the whole process. That window is narrow, so this catches it only sometimes.
  it('settles every task of pools closed while their threads are still starting', async () => {
    for (let i = 0; i < 20; i++) {
      const pool = new WorkerPool({ filename: TASKS, closeGraceMs: 0 });
      const task = pool.run({ kind: 'echo', value: i }).catch((err: unknown) => err);
      await sleep(i % 15 === 0 ? 0 : 5 + (i % 15) * 3);
      await pool.close();
      const outcome = await task;
      const ok = outcome instanceof DocflowError ? outcome.code === 'ERR_POOL_CLOSED' : (outcome as { value?: unknown }).value === i;
      assert.ok(ok, `task ${i} either ran or was closed: ${String(outcome)}`);
    }
  });

  it('fails every task of a module that cannot load with a non-retryable ERR_INTERNAL', async () => {
    const pool = new WorkerPool({ filename: new URL('../fixtures/workers/broken.js', import.meta.url), threads: 1 });
    try {
      for (let i = 0; i < 2; i++) {
        await assert.rejects(pool.run({}), (err: unknown) => err instanceof DocflowError && err.code === 'ERR_INTERNAL'
          && !err.retryable && /failed to load: missing native binding/.test(err.message));
      }
    } finally {
      await pool.close();
    }
  });
});
