import assert from 'node:assert/strict';
import { DocflowError } from '../../src/errors/index.js';
import { flush, settled } from './fake-clock.js';
import { Harness } from './harness.js';

const hasCode = (code: string) => (err: unknown): boolean => err instanceof DocflowError && err.code === code;

describe('PriorityScheduler: close', () => {
  it('rejects waiting tasks, lets running ones finish within closeGraceMs, then resolves', async () => {
    const h = new Harness({ concurrency: 1, closeGraceMs: 1000 });
    const running = settled(h.scheduler.submit(h.task('run')));
    const waiting = settled(h.scheduler.submit(h.task('wait'), { priority: 'critical' }));
    const closed = settled(h.scheduler.close());
    await flush();
    assert.ok(hasCode('ERR_ABORTED')(waiting.error));
    assert.equal(closed.state, 'pending', 'close did not wait for the running task');
    assert.equal(h.signals.get('run')?.aborted, false);
    await h.clock.advance(500);
    await h.finish('run');
    assert.equal(running.value, 'run');
    assert.equal(closed.state, 'fulfilled');
    assert.deepEqual(h.started, ['run']);
    assert.deepEqual([h.stats().completed, h.stats().cancelled], [1, 1]);
  });

  it('aborts running tasks once closeGraceMs has passed', async () => {
    const h = new Harness({ closeGraceMs: 100 });
    const running = settled(h.scheduler.submit(h.task('stuck')));
    const closed = settled(h.scheduler.close());
    await h.clock.advance(99);
    assert.equal(h.signals.get('stuck')?.aborted, false);
    await h.clock.advance(1);
    assert.equal(h.signals.get('stuck')?.aborted, true);
    assert.ok(hasCode('ERR_ABORTED')(running.error));
    assert.equal(closed.state, 'fulfilled');
  });

  it('does not retry a task that fails while the scheduler drains', async () => {
    const h = new Harness({ closeGraceMs: 1000, timeoutMs: 0 });
    const running = settled(h.scheduler.submit(h.task('x')));
    const closing = h.scheduler.close();
    const err = new DocflowError('ERR_TRANSPORT_TIMEOUT', 'later');
    await h.fail('x', err);
    await closing;
    assert.equal(running.error, err);
    assert.deepEqual(h.clock.pending(), []);
    assert.deepEqual([h.stats().retried, h.stats().failed], [0, 1]);
  });

  it('rejects tasks waiting for a retry backoff', async () => {
    const h = new Harness({ timeoutMs: 0 });
    const result = settled(h.scheduler.submit(h.task('x')));
    await h.fail('x', new DocflowError('ERR_TRANSPORT_TIMEOUT', 'later'));
    await h.scheduler.close();
    assert.ok(hasCode('ERR_ABORTED')(result.error));
    assert.deepEqual(h.clock.pending(), []);
  });

  it('is idempotent, disposable, and refuses work afterwards', async () => {
    const h = new Harness({ closeGraceMs: 0 });
    const first = h.scheduler.close();
    assert.equal(h.scheduler.close(), first);
    assert.equal(h.scheduler[Symbol.asyncDispose](), first);
    await first;
    assert.equal(h.scheduler.closed, true);
    await assert.rejects(h.scheduler.submit(h.task('late')), hasCode('ERR_ABORTED'));
    assert.deepEqual(h.started, []);
  });
});

describe('PriorityScheduler: stats', () => {
  it('counts tasks and reports throughput and mean processing time over a sliding 10 s window', async () => {
    const h = new Harness({ concurrency: 1, retry: { maxAttempts: 1 } });
    const names = ['a', 'b', 'c', 'd'];
    const results = names.map((n) => settled(h.scheduler.submit(h.task(n))));
    const failing = settled(h.scheduler.submit(h.task('bad')));
    assert.deepEqual(h.stats().queued, { critical: 0, high: 0, normal: 4, low: 0 });
    assert.equal(h.stats().running, 1);
    for (const n of names) {
      await h.clock.advance(n === 'a' ? 100 : 300);
      await h.finish(n);
    }
    await h.fail('bad', new Error('no'));
    assert.ok(results.every((r) => r.state === 'fulfilled'));
    assert.equal(failing.state, 'rejected');
    const st = h.stats();
    assert.deepEqual(
      { submitted: st.submitted, completed: st.completed, failed: st.failed, running: st.running, queued: st.queued.normal },
      { submitted: 5, completed: 4, failed: 1, running: 0, queued: 0 },
    );
    assert.equal(st.throughputPerSec, 4 / 10);
    assert.equal(st.meanProcessingMs, (100 + 300 * 3) / 4);
    await h.clock.advance(11_000);
    assert.equal(h.stats().throughputPerSec, 0, 'old completions did not leave the window');
  });
});
