import assert from 'node:assert/strict';
import { DocflowError } from '../../src/errors/index.js';
import { Supervisor, type Supervised, type SupervisorEvent } from '../../src/supervisor/index.js';
import { captureLogger, FakeTime, flush, HeldSleep, TestChild, testOptions } from './helpers.js';

async function rejectsWithCode(p: Promise<unknown>, code: string): Promise<void> {
  await assert.rejects(p, (err: unknown) => err instanceof DocflowError && err.code === code);
}

describe('Supervisor: lifecycle', () => {
  it('starts children in the order added, each once; start() is idempotent', async () => {
    const journal: string[] = [];
    const sup = new Supervisor(testOptions(new FakeTime()));
    for (const n of ['a', 'b', 'c']) await sup.add(new TestChild(n, journal));
    assert.deepEqual(sup.status().map((s) => s.state), ['stopped', 'stopped', 'stopped'], 'add before start starts nothing');
    const p = sup.start();
    assert.equal(sup.start(), p);
    await p;
    assert.deepEqual(journal, ['a:start', 'b:start', 'c:start']);
    assert.deepEqual(sup.status(), ['a', 'b', 'c'].map((name) => ({ name, state: 'running', restarts: 0 })));
    await sup.close();
  });

  it('starts a child added after start() at once, and stops it first', async () => {
    const journal: string[] = [];
    const sup = new Supervisor(testOptions(new FakeTime()));
    await sup.add(new TestChild('a', journal));
    await sup.start();
    await sup.add(new TestChild('late', journal));
    assert.equal(sup.status()[1]?.state, 'running');
    await sup.close();
    assert.deepEqual(journal, ['a:start', 'late:start', 'late:stop:shutdown', 'a:stop:shutdown']);
  });

  it('rejects a child without a name or methods, and a duplicate name', async () => {
    const sup = new Supervisor();
    await assert.rejects(sup.add({ name: '', start: async () => {}, stop: async () => {} }), { name: 'TypeError', message: 'child.name must be a non-empty string' });
    await assert.rejects(sup.add({ name: 'x', stop: async () => {} } as unknown as Supervised), { name: 'TypeError', message: 'child.start must be a function' });
    await assert.rejects(sup.add({ name: 'x', start: async () => {} } as unknown as Supervised), { name: 'TypeError', message: 'child.stop must be a function' });
    await sup.add(new TestChild('x'));
    await assert.rejects(sup.add(new TestChild('x')), { name: 'TypeError', message: 'child.name must be unique ("x" is already supervised)' });
    await sup.close();
  });

  it('stops children in reverse start order, once each; close() is idempotent', async () => {
    const journal: string[] = [];
    const sup = new Supervisor(testOptions(new FakeTime()));
    const children = ['a', 'b', 'c'].map((n) => new TestChild(n, journal));
    for (const c of children) await sup.add(c);
    await sup.start();
    journal.length = 0;
    let completed = false;
    sup.events$.subscribe({ complete: () => { completed = true; } });
    const p = sup.close();
    assert.equal(sup.close(), p, 'the same promise');
    assert.equal(sup.stopAll(), p);
    assert.equal(sup[Symbol.asyncDispose](), p);
    await p;
    await sup.close();
    assert.deepEqual(journal, ['c:stop:shutdown', 'b:stop:shutdown', 'a:stop:shutdown']);
    assert.deepEqual(sup.status().map((s) => s.state), ['stopped', 'stopped', 'stopped']);
    assert.ok(children.every((c) => c.contexts[0]?.signal.aborted), 'every run signal aborted');
    assert.equal(completed, true, 'events$ completes');
  });

  it('a child that fails to stop is logged and the others are still stopped', async () => {
    const journal: string[] = [];
    const cap = captureLogger();
    const sup = new Supervisor({ ...testOptions(new FakeTime()), logger: cap.logger });
    const [a, b, c] = ['a', 'b', 'c'].map((n) => new TestChild(n, journal));
    assert.ok(a && b && c);
    b.stopThrows = true;
    for (const x of [a, b, c]) await sup.add(x);
    await sup.start();
    await sup.close();
    assert.deepEqual(journal.filter((j) => j.includes(':stop')), ['c:stop:shutdown', 'b:stop:shutdown', 'a:stop:shutdown']);
    const warning = cap.lines().find((l) => l.msg === 'child failed to stop cleanly; going on');
    assert.equal(warning?.child, 'b');
    assert.equal((warning?.err as { message?: string } | undefined)?.message, 'b refused to stop');
  });

  it('close() during a backoff abandons the restart: the child stays stopped, not started again', async () => {
    const held = new HeldSleep();
    const sup = new Supervisor({ now: () => 0, sleep: held.sleep });
    const a = new TestChild('a');
    await sup.add(a);
    await sup.start();
    a.crash();
    await flush();
    assert.equal(held.pending.length, 1, 'waiting out the backoff');
    assert.equal(sup.status()[0]?.state, 'restarting');
    await sup.close();
    assert.equal(a.starts, 1);
    assert.deepEqual(a.stops, ['restart'], 'stopped once, not again at shutdown');
    assert.equal(sup.status()[0]?.state, 'stopped');
  });

  it('add() and start() after close() reject with ERR_ABORTED', async () => {
    const sup = new Supervisor();
    await sup.close();
    await rejectsWithCode(sup.add(new TestChild('a')), 'ERR_ABORTED');
    await rejectsWithCode(sup.start(), 'ERR_ABORTED');
  });
});

describe('Supervisor: restart on request', () => {
  it('restarts a child by name with the given reason, counted like a crash', async () => {
    const time = new FakeTime();
    const sup = new Supervisor(testOptions(time));
    const events: SupervisorEvent[] = [];
    sup.events$.subscribe((e) => events.push(e));
    const a = new TestChild('a');
    const b = new TestChild('b');
    await sup.add(a);
    await sup.add(b);
    await sup.start();
    assert.equal(await sup.restart('b', 'memory'), true);
    assert.deepEqual(b.stops, ['memory']);
    assert.equal(b.starts, 2);
    assert.deepEqual(a.stops, []);
    assert.deepEqual(sup.status()[1], { name: 'b', state: 'running', restarts: 1, lastRestartAt: 100 });
    const restarting = events[0];
    assert.ok(restarting?.type === 'restarting');
    assert.equal(restarting.reason, 'memory');
    assert.equal(restarting.error, undefined);
    await sup.close();
  });

  it('requested restarts count toward the intensity and can escalate', async () => {
    const sup = new Supervisor(testOptions(new FakeTime(), { intensity: { maxRestarts: 1, periodMs: 60_000 } }));
    const a = new TestChild('a');
    await sup.add(a);
    await sup.start();
    assert.equal(await sup.restart('a', 'memory'), true);
    assert.equal(await sup.restart('a', 'memory'), true);
    assert.equal(sup.status()[0]?.state, 'failed');
    assert.deepEqual(a.stops, ['memory', 'escalated']);
    assert.equal(await sup.restart('a'), false, 'a failed child is not restarted');
    await sup.close();
  });

  it('does nothing for a child already restarting, and throws ERR_STAGE_UNKNOWN for an unknown name', async () => {
    const held = new HeldSleep();
    const sup = new Supervisor({ now: () => 0, sleep: held.sleep });
    const a = new TestChild('a');
    await sup.add(a);
    await sup.start();
    const first = sup.restart('a');
    assert.equal(await sup.restart('a'), false);
    await rejectsWithCode(sup.restart('nobody'), 'ERR_STAGE_UNKNOWN');
    await flush();
    assert.equal(held.pending.length, 1, 'one backoff, for the first request');
    held.pending[0]?.release();
    assert.equal(await first, true);
    assert.equal(a.starts, 2);
    await sup.close();
  });
});
