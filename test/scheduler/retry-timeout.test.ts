import assert from 'node:assert/strict';
import { DocflowError } from '../../src/errors/index.js';
import { PriorityScheduler, type Task } from '../../src/scheduler/index.js';
import { FakeClock, flush, settled } from './fake-clock.js';
import { Harness } from './harness.js';

const retryable = (): DocflowError => new DocflowError('ERR_TRANSPORT_TIMEOUT', 'try again');
const hasCode = (code: string) => (err: unknown): boolean => err instanceof DocflowError && err.code === code;

/** A task that fails with `fail(attempt)` until `succeedAt`, recording when each attempt started. */
function flaky(clock: FakeClock, fail: (attempt: number) => unknown, succeedAt = Infinity): { task: Task<string>; startedAt: number[]; attempts: number[] } {
  const startedAt: number[] = [];
  const attempts: number[] = [];
  const task: Task<string> = async (_signal, attempt) => {
    startedAt.push(clock.now());
    attempts.push(attempt);
    if (attempt >= succeedAt) return `ok after ${attempt}`;
    throw fail(attempt);
  };
  return { task, startedAt, attempts };
}

describe('PriorityScheduler: retries', () => {
  it('retries a retryable failure with exponential backoff, capped at maxDelayMs, then fails', async () => {
    const clock = new FakeClock();
    const s = new PriorityScheduler<string>({ now: clock.now, timers: clock.timers, random: () => 0.5, timeoutMs: 0, retry: { maxAttempts: 4, baseDelayMs: 100, maxDelayMs: 250 } });
    const err = retryable();
    const f = flaky(clock, () => err);
    const result = settled(s.submit(f.task));
    await clock.advance(10_000);
    // Delays 100, 200, then 400 capped to 250: attempts start at 0, 100, 300, 550.
    assert.deepEqual(f.startedAt, [0, 100, 300, 550]);
    assert.deepEqual(f.attempts, [1, 2, 3, 4]);
    assert.equal(result.state, 'rejected');
    assert.equal(result.error, err);
    const st = s.stats();
    assert.deepEqual([st.retried, st.failed, st.completed, st.backingOff], [3, 1, 0, 0]);
  });

  it('spreads each delay by ±jitter using random()', async () => {
    for (const [random, expected] of [[0, 80], [0.5, 100], [0.999999, 120]] as const) {
      const clock = new FakeClock();
      const s = new PriorityScheduler<string>({ now: clock.now, timers: clock.timers, random: () => random, timeoutMs: 0, retry: { baseDelayMs: 100, jitter: 0.2 } });
      void s.submit(flaky(clock, () => retryable(), 2).task);
      await flush();
      assert.deepEqual(clock.pending(), [expected], `random() = ${random}`);
      assert.equal(s.stats().backingOff, 1);
    }
  });

  it('resolves once a retry succeeds, counting the retry', async () => {
    const clock = new FakeClock();
    const s = new PriorityScheduler<string>({ now: clock.now, timers: clock.timers, random: () => 0.5, timeoutMs: 0 });
    // Any error with a truthy `retryable` is retried, not only a DocflowError.
    const f = flaky(clock, () => Object.assign(new Error('busy'), { retryable: true }), 2);
    const result = settled(s.submit(f.task));
    await clock.advance(100);
    assert.equal(result.value, 'ok after 2');
    assert.deepEqual([s.stats().retried, s.stats().completed, s.stats().failed], [1, 1, 0]);
  });

  it('fails at once on an error that is not retryable', async () => {
    for (const err of [new Error('bad input'), new DocflowError('ERR_CODEC_SCHEMA', 'no')]) {
      const clock = new FakeClock();
      const s = new PriorityScheduler<string>({ now: clock.now, timers: clock.timers, timeoutMs: 0 });
      const f = flaky(clock, () => err);
      await assert.rejects(s.submit(f.task), (e) => e === err);
      assert.deepEqual(f.attempts, [1]);
      assert.deepEqual(clock.pending(), []);
      assert.deepEqual([s.stats().retried, s.stats().failed], [0, 1]);
    }
  });

  it('frees the slot during the backoff and sends the retry to the back of its level', async () => {
    const h = new Harness({ timeoutMs: 0, retry: { baseDelayMs: 100 } });
    void h.scheduler.submit(h.task('a'));
    void h.scheduler.submit(h.task('b'));
    void h.scheduler.submit(h.task('c'));
    await h.fail('a', retryable());
    assert.deepEqual(h.started, ['a', 'b'], 'b did not take the free slot');
    await h.clock.advance(100);
    assert.deepEqual(h.stats().queued.normal, 2, 'the retry of a waits behind c');
    await h.finish('b');
    await h.finish('c');
    assert.deepEqual(h.started, ['a', 'b', 'c', 'a']);
  });
});

describe('PriorityScheduler: timeouts and aborts', () => {
  it('aborts the signal of an attempt past timeoutMs and fails it with ERR_SCHEDULER_TIMEOUT', async () => {
    const h = new Harness({ timeoutMs: 50, retry: { maxAttempts: 1 } });
    const result = settled(h.scheduler.submit(h.task('slow')));
    await h.clock.advance(49);
    assert.equal(h.signals.get('slow')?.aborted, false);
    await h.clock.advance(1);
    const signal = h.signals.get('slow')!;
    assert.equal(signal.aborted, true);
    assert.ok(hasCode('ERR_SCHEDULER_TIMEOUT')(signal.reason));
    assert.equal(result.state, 'rejected');
    assert.equal(result.error, signal.reason);
    assert.equal((result.error as DocflowError).retryable, true);
    assert.deepEqual([h.stats().timedOut, h.stats().running, h.stats().failed], [1, 0, 1]);
  });

  it('retries a timed-out attempt, and frees its slot even if the task ignores the signal', async () => {
    const h = new Harness({ timeoutMs: 50, retry: { maxAttempts: 2, baseDelayMs: 100 } });
    const result = settled(h.scheduler.submit(h.task('slow')));
    void h.scheduler.submit(h.task('next'));
    await h.clock.advance(50);
    assert.deepEqual(h.started, ['slow', 'next']);
    await h.finish('next');
    await h.clock.advance(100);
    assert.deepEqual(h.started, ['slow', 'next', 'slow']);
    await h.finish('slow');
    assert.equal(result.value, 'slow');
    assert.deepEqual([h.stats().timedOut, h.stats().retried, h.stats().completed], [1, 1, 2]);
  });

  it('cancels a waiting task when its caller aborts: it never runs', async () => {
    const h = new Harness();
    void h.scheduler.submit(h.task('blocker'));
    const ac = new AbortController();
    const result = settled(h.scheduler.submit(h.task('waiting'), { signal: ac.signal }));
    ac.abort(new Error('user gave up'));
    await flush();
    assert.ok(hasCode('ERR_ABORTED')(result.error));
    assert.equal(h.stats().queued.normal, 0);
    await h.finish('blocker');
    assert.deepEqual(h.started, ['blocker']);
    assert.equal(h.stats().cancelled, 1);
  });

  it('aborts a running task when its caller aborts, and never retries it', async () => {
    const h = new Harness({ retry: { maxAttempts: 3 } });
    const ac = new AbortController();
    const result = settled(h.scheduler.submit(h.task('run'), { signal: ac.signal }));
    ac.abort();
    await flush();
    assert.equal(h.signals.get('run')?.aborted, true);
    assert.ok(hasCode('ERR_ABORTED')(result.error));
    await h.clock.advance(60_000);
    assert.deepEqual(h.started, ['run']);
    assert.deepEqual([h.stats().cancelled, h.stats().retried, h.stats().running], [1, 0, 0]);
  });

  it('cancels a task waiting for its retry backoff when its caller aborts', async () => {
    const h = new Harness({ timeoutMs: 0 });
    const ac = new AbortController();
    const result = settled(h.scheduler.submit(h.task('x'), { signal: ac.signal }));
    await h.fail('x', retryable());
    assert.equal(h.stats().backingOff, 1);
    ac.abort();
    await flush();
    assert.ok(hasCode('ERR_ABORTED')(result.error));
    assert.deepEqual(h.clock.pending(), []);
    assert.equal(h.stats().backingOff, 0);
  });

  it('rejects a task whose signal is already aborted without running it', async () => {
    const h = new Harness();
    await assert.rejects(h.scheduler.submit(h.task('x'), { signal: AbortSignal.abort() }), hasCode('ERR_ABORTED'));
    assert.deepEqual(h.started, []);
  });
});
