import assert from 'node:assert/strict';
import { DocflowError } from '../../src/errors/index.js';
import { PRIORITIES, type Priority } from '../../src/scheduler/index.js';
import { flush, settled } from './fake-clock.js';
import { Harness } from './harness.js';

describe('PriorityScheduler: ordering and concurrency', () => {
  it('runs tasks of one level in submission order', async () => {
    const h = new Harness();
    const names = ['blocker', 'n1', 'n2', 'n3', 'n4', 'n5'];
    const results = names.map((n) => h.scheduler.submit(h.task(n)));
    for (const n of names) {
      await flush();
      await h.finish(n);
    }
    assert.deepEqual(h.started, names);
    assert.deepEqual(await Promise.all(results), names);
  });

  it('lets critical overtake a backlog of low, most urgent level first', async () => {
    const h = new Harness();
    const submit = (name: string, priority: Priority): void => void h.scheduler.submit(h.task(name), { priority });
    submit('blocker', 'low');
    for (const n of ['l1', 'l2', 'l3']) submit(n, 'low');
    submit('n1', 'normal');
    submit('h1', 'high');
    for (const n of ['c1', 'c2']) submit(n, 'critical');
    assert.deepEqual(h.stats().queued, { critical: 2, high: 1, normal: 1, low: 3 });
    for (const n of ['blocker', 'c1', 'c2', 'h1', 'n1', 'l1', 'l2']) await h.finish(n);
    assert.deepEqual(h.started, ['blocker', 'c1', 'c2', 'h1', 'n1', 'l1', 'l2', 'l3']);
  });

  it('still finishes a low task under a constant flood of critical (starvation guard)', async () => {
    const h = new Harness({ starvationLimit: 8 });
    let seq = 0;
    const critical = (): void => void h.scheduler.submit(h.task(`c${++seq}`), { priority: 'critical' });
    critical();
    const low = h.scheduler.submit(h.task('low'), { priority: 'low' });
    for (let i = 0; i < 20; i++) critical();
    const outcome = settled(low);
    // Each critical that finishes is replaced by a new one, so critical work never runs out.
    while (outcome.state === 'pending') {
      const running = h.started[h.started.length - 1]!;
      await h.finish(running);
      if (running !== 'low') critical();
      assert.ok(h.started.length < 50, 'low never ran');
    }
    assert.equal(outcome.value, 'low');
    // c1 ran before low waited; then exactly starvationLimit criticals passed it.
    assert.equal(h.started.indexOf('low'), 1 + 8);
    assert.ok(h.stats().queued.critical >= 20);
  });

  it('never runs more than `concurrency` tasks, and follows setConcurrency at run time', async () => {
    const h = new Harness({ concurrency: 2 });
    const names = ['t1', 't2', 't3', 't4', 't5'];
    for (const n of names) void h.scheduler.submit(h.task(n));
    assert.deepEqual(h.started, ['t1', 't2']);
    assert.equal(h.stats().running, 2);

    h.scheduler.setConcurrency(4);
    assert.equal(h.scheduler.concurrency, 4);
    assert.deepEqual(h.started, ['t1', 't2', 't3', 't4']);

    h.scheduler.setConcurrency(1);
    for (const n of ['t1', 't2', 't3']) await h.finish(n);
    assert.equal(h.started.length, 4, 'a slot opened while 1 task still runs');
    await h.finish('t4');
    assert.deepEqual(h.started, names);
    assert.equal(h.stats().running, 1);
  });

  it('rejects setConcurrency with a value that is not a positive integer', () => {
    const h = new Harness();
    for (const bad of [0, -2, 1.5]) assert.throws(() => h.scheduler.setConcurrency(bad), { name: 'TypeError', message: 'concurrency must be a positive integer' });
    assert.equal(h.scheduler.concurrency, 1);
  });

  it('rejects a submission past maxQueued of its level with a retryable ERR_SCHEDULER_FULL', async () => {
    const h = new Harness({ maxQueued: { low: 2 } });
    void h.scheduler.submit(h.task('blocker'));
    void h.scheduler.submit(h.task('l1'), { priority: 'low' });
    void h.scheduler.submit(h.task('l2'), { priority: 'low' });
    await assert.rejects(h.scheduler.submit(h.task('l3'), { priority: 'low' }), (err: unknown) => {
      assert.ok(err instanceof DocflowError);
      assert.equal(err.code, 'ERR_SCHEDULER_FULL');
      assert.equal(err.retryable, true);
      return true;
    });
    // Other levels keep their own bound.
    void h.scheduler.submit(h.task('n1'), { priority: 'normal' });
    assert.deepEqual(h.stats().queued, { critical: 0, high: 0, normal: 1, low: 2 });
    assert.equal(h.stats().submitted, 4);
  });

  it('rejects an unknown priority and a task that is not a function', async () => {
    const h = new Harness();
    await assert.rejects(h.scheduler.submit(h.task('x'), { priority: 'urgent' as Priority }), {
      name: 'TypeError', message: `priority must be one of ${PRIORITIES.join(', ')}`,
    });
    await assert.rejects(h.scheduler.submit(undefined as never), { name: 'TypeError', message: 'task must be a function' });
    assert.equal(h.stats().submitted, 0);
  });

  it('fails the attempt of a task that throws instead of returning a promise', async () => {
    const h = new Harness();
    const boom = new Error('sync');
    await assert.rejects(h.scheduler.submit(() => { throw boom; }), (err) => err === boom);
    assert.equal(h.stats().failed, 1);
  });
});
