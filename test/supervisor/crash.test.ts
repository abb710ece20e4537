import assert from 'node:assert/strict';
import { DocflowError } from '../../src/errors/index.js';
import { Supervisor, type SupervisorEvent, type SupervisorOptions } from '../../src/supervisor/index.js';
import { FakeTime, TestChild, testOptions } from './helpers.js';

/** A supervisor with a fake clock, two children `a` and `b`, started, its events recorded. */
async function setup(extra: SupervisorOptions = {}) {
  const time = new FakeTime();
  const journal: string[] = [];
  const sup = new Supervisor(testOptions(time, extra));
  const events: SupervisorEvent[] = [];
  sup.events$.subscribe((e) => events.push(e));
  const a = new TestChild('a', journal);
  const b = new TestChild('b', journal);
  await sup.add(a);
  await sup.add(b);
  await sup.start();
  return { time, journal, sup, events, a, b };
}

const byName = (sup: Supervisor, name: string) => sup.status().find((s) => s.name === name);

describe('Supervisor: crashes', () => {
  it('restarts a crashed child alone: stop(restart), backoff, start; events restarting then restarted', async () => {
    const { sup, events, a, b, time } = await setup();
    a.crash('boom');
    await sup.idle();
    assert.deepEqual(a.stops, ['restart']);
    assert.equal(a.starts, 2);
    assert.equal(b.starts, 1, 'one-for-one: b untouched');
    assert.deepEqual(b.stops, []);
    assert.deepEqual(time.sleeps, [100]);
    assert.deepEqual(events.map((e) => e.type), ['restarting', 'restarted']);
    const [restarting] = events;
    assert.ok(restarting?.type === 'restarting');
    assert.equal(restarting.child, 'a');
    assert.equal(restarting.reason, 'restart');
    assert.equal(restarting.delayMs, 100);
    assert.equal(restarting.error?.code, 'ERR_INTERNAL');
    assert.equal(restarting.error?.message, 'boom');
    assert.deepEqual(byName(sup, 'a'), { name: 'a', state: 'running', restarts: 1, lastError: { code: 'ERR_INTERNAL', message: 'boom' }, lastRestartAt: 100 });
    await sup.close();
  });

  it('OTP: three crashes inside the window escalate (R = 2): child failed and stopped, event emitted, the other runs on', async () => {
    const { sup, events, a, b, time } = await setup({ intensity: { maxRestarts: 2, periodMs: 5_000 } });
    for (let i = 1; i <= 3; i++) {
      a.crash(`crash ${i}`);
      await sup.idle();
      time.advance(10);
    }
    assert.equal(byName(sup, 'a')?.state, 'failed');
    assert.equal(byName(sup, 'a')?.restarts, 2);
    assert.deepEqual(byName(sup, 'a')?.lastError, { code: 'ERR_INTERNAL', message: 'crash 3' });
    assert.deepEqual(a.stops, ['restart', 'restart', 'escalated'], 'stopped cleanly, once per run');
    assert.equal(a.starts, 3, 'not started again after escalation');
    const escalated = events.find((e) => e.type === 'escalated');
    assert.ok(escalated?.type === 'escalated', 'an escalated event');
    assert.equal(escalated.child, 'a');
    assert.equal(escalated.restarts, 2);
    assert.equal(escalated.recentRestarts, 3);
    assert.ok(escalated.error instanceof DocflowError);
    assert.equal(escalated.error.message, 'crash 3');
    assert.equal(byName(sup, 'b')?.state, 'running');
    assert.deepEqual(b.stops, []);
    assert.equal(a.contexts.at(-1)?.signal.aborted, true, 'the last run was told to stop');
    // A failed child ignores later crash reports and is not stopped a second time at shutdown.
    a.crash('late');
    await sup.idle();
    await sup.close();
    assert.deepEqual(a.stops, ['restart', 'restart', 'escalated']);
    assert.deepEqual(b.stops, ['shutdown']);
    assert.equal(byName(sup, 'a')?.state, 'failed');
  });

  it('OTP: two crashes spaced wider than the window do not escalate (R = 1): child running, restarts counted', async () => {
    const { sup, events, a, time } = await setup({ intensity: { maxRestarts: 1, periodMs: 5_000 } });
    a.crash();
    await sup.idle();
    time.advance(5_001);
    a.crash();
    await sup.idle();
    assert.equal(byName(sup, 'a')?.state, 'running');
    assert.equal(byName(sup, 'a')?.restarts, 2);
    assert.equal(events.filter((e) => e.type === 'escalated').length, 0);
    assert.equal(events.filter((e) => e.type === 'restarted').length, 2);
    await sup.close();
  });

  it('with the defaults (R = 3) the fourth crash inside the window escalates', async () => {
    const { sup, a } = await setup({ restart: { minDelayMs: 10 } });
    for (let i = 0; i < 3; i++) {
      a.crash();
      await sup.idle();
    }
    assert.equal(byName(sup, 'a')?.state, 'running');
    a.crash();
    await sup.idle();
    assert.equal(byName(sup, 'a')?.state, 'failed');
    assert.equal(byName(sup, 'a')?.restarts, 3);
    await sup.close();
  });

  it('backs off longer on each crash in a row, and from the start again after a stable run', async () => {
    const { sup, a, time } = await setup({ intensity: { maxRestarts: 10, periodMs: 1_000 } });
    for (let i = 0; i < 3; i++) {
      a.crash();
      await sup.idle();
    }
    assert.deepEqual(time.sleeps, [100, 200, 400]);
    time.advance(1_000); // ran stably for the whole period
    a.crash();
    await sup.idle();
    assert.deepEqual(time.sleeps, [100, 200, 400, 100]);
    await sup.close();
  });

  it('a failing start() counts as a crash: stopped, backed off, started again', async () => {
    const time = new FakeTime();
    const sup = new Supervisor(testOptions(time));
    const events: SupervisorEvent[] = [];
    sup.events$.subscribe((e) => events.push(e));
    const a = new TestChild('a');
    a.failStarts = 1;
    await sup.add(a);
    await sup.start();
    assert.equal(a.starts, 2);
    assert.deepEqual(a.stops, ['restart'], 'stop releases what the failed start may hold');
    assert.deepEqual(sup.status(), [{ name: 'a', state: 'running', restarts: 1, lastError: { code: 'ERR_INTERNAL', message: 'a cannot start' }, lastRestartAt: 100 }]);
    assert.deepEqual(events.map((e) => e.type), ['restarting', 'restarted']);
    await sup.close();
  });

  it('a start() that keeps failing escalates, and the next child is still started', async () => {
    const time = new FakeTime();
    const journal: string[] = [];
    const sup = new Supervisor(testOptions(time, { intensity: { maxRestarts: 2, periodMs: 60_000 } }));
    const a = new TestChild('a', journal);
    const b = new TestChild('b', journal);
    a.failStarts = 100;
    await sup.add(a);
    await sup.add(b);
    await sup.start();
    assert.deepEqual(sup.status().map((s) => s.state), ['failed', 'running']);
    assert.equal(a.starts, 3);
    assert.deepEqual(journal, ['a:start', 'a:stop:restart', 'a:start', 'a:stop:restart', 'a:start', 'a:stop:escalated', 'b:start']);
    await sup.close();
  });

  it('a crash reported before start() resolves is a failed start', async () => {
    const time = new FakeTime();
    const sup = new Supervisor(testOptions(time));
    const a = new TestChild('a');
    a.crashDuringStart = 1;
    await sup.add(a);
    await sup.start();
    assert.equal(a.starts, 2);
    assert.deepEqual(sup.status()[0], { name: 'a', state: 'running', restarts: 1, lastError: { code: 'ERR_INTERNAL', message: 'a died while starting' }, lastRestartAt: 100 });
    await sup.close();
  });

  it('ignores crash reports from an earlier run and repeated reports of one crash', async () => {
    const { sup, a } = await setup();
    const firstRun = a.ctx;
    a.crash();
    a.crash(); // same crash reported twice while the restart is under way
    await sup.idle();
    assert.equal(a.starts, 2);
    firstRun?.crashed(new Error('stale'));
    await sup.idle();
    assert.equal(a.starts, 2, 'the stale report did not restart the new run');
    assert.equal(sup.status()[0]?.restarts, 1);
    await sup.close();
  });

  it('keeps a DocflowError crash code as lastError', async () => {
    const { sup, a } = await setup();
    a.ctx?.crashed(new DocflowError('ERR_WORKER_DIED', 'worker 3 died'));
    await sup.idle();
    assert.deepEqual(sup.status()[0]?.lastError, { code: 'ERR_WORKER_DIED', message: 'worker 3 died' });
    await sup.close();
  });
});
