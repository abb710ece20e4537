import assert from 'node:assert/strict';
import { MemoryMonitor, type MemoryAlert, type MemoryLevel } from '../../src/memory/index.js';
import { captureLogger } from '../supervisor/helpers.js';
import { FakeMachine } from './helpers.js';

function setup(extra = {}) {
  const m = new FakeMachine();
  const mon = new MemoryMonitor(m.options(extra));
  const alerts: MemoryAlert[] = [];
  const levels: MemoryLevel[] = [];
  mon.alerts$.subscribe((a) => alerts.push(a));
  mon.level$.subscribe((l) => levels.push(l));
  return { m, mon, alerts, levels };
}

describe('MemoryMonitor', () => {
  it('goes normal → high → critical → normal, with hysteresis on the way down', async () => {
    const { m, mon, alerts, levels } = setup();
    mon.start();
    const steps: Array<[rss: number, level: MemoryLevel]> = [
      [700, 'normal'], [800, 'high'], [760, 'high'], [1_000, 'critical'], [960, 'critical'], [940, 'high'], [751, 'high'], [740, 'normal'],
    ];
    for (const [rss, level] of steps) {
      m.rss = rss;
      m.fire();
      assert.equal(mon.level, level, `rss ${rss}`);
    }
    assert.deepEqual(alerts.map((a) => `${a.previous}→${a.level}`), ['normal→high', 'high→critical', 'critical→critical', 'critical→high', 'high→normal'], 'a level that stays critical alerts again at each sample');
    assert.deepEqual(levels, ['normal', 'high', 'critical', 'high', 'normal'], 'level$ replays the start, then each change');
    const critical = alerts[1];
    assert.equal(critical?.rssBytes, 1_000);
    assert.equal(critical?.limitBytes, 1_000);
    assert.equal(critical?.at, 4_000);
    assert.equal(critical?.type, 'level');
    await mon.close();
  });

  it('does not flap while RSS hovers around the high threshold', async () => {
    const { m, mon, alerts } = setup();
    mon.start();
    for (let i = 0; i < 50; i++) {
      m.rss = i % 2 === 0 ? 801 : 790;
      m.fire();
    }
    assert.equal(alerts.length, 1);
    assert.equal(mon.level, 'high');
    await mon.close();
  });

  it('is critical when the system runs out of free memory, whatever the RSS', async () => {
    const { m, mon, alerts } = setup();
    m.rss = 10;
    m.free = 99;
    mon.start();
    assert.equal(mon.level, 'critical');
    assert.equal(alerts[0]?.systemFreeBytes, 99);
    m.free = 140;
    m.fire();
    assert.equal(mon.level, 'critical', 'within the hysteresis band');
    m.free = 150;
    m.fire();
    assert.equal(mon.level, 'normal');
    await mon.close();
  });

  it('reports the RSS trend in bytes per second', async () => {
    const { m, mon } = setup({ limitBytes: 1_000_000_000 });
    mon.start();
    for (let i = 1; i <= 10; i++) {
      m.rss = 100 + 2_000 * i; // 2000 B per 500 ms
      m.fire(500);
    }
    assert.ok(Math.abs(mon.snapshot().slopeBytesPerSec - 4_000) < 1e-6, `got ${mon.snapshot().slopeBytesPerSec}`);
    await mon.close();
  });

  it('keeps a bounded history, and the trend follows only what it holds', async () => {
    const { m, mon } = setup({ historySize: 5, limitBytes: 1_000_000_000 });
    mon.start();
    for (let i = 1; i <= 20; i++) {
      m.rss = i <= 10 ? 100 * i : 5_000; // growth, then flat
      m.fire();
    }
    const h = mon.history();
    assert.equal(h.length, 5);
    assert.deepEqual(h.map((s) => s.at), [16_000, 17_000, 18_000, 19_000, 20_000]);
    assert.equal(mon.snapshot().samples, 5);
    assert.equal(mon.snapshot().slopeBytesPerSec, 0, 'the growth has left the window');
    await mon.close();
  });

  it('finds the heaviest source, leaving out sources that fail or say nothing', async () => {
    const cap = captureLogger();
    const { m, mon, alerts } = setup({ logger: cap.logger });
    mon.addSource('pool:embed', () => 300);
    const removeSplit = mon.addSource('stage:split', () => 500);
    mon.addSource('broken', () => { throw new Error('no figures'); });
    mon.addSource('silent', () => undefined);
    mon.addSource('nonsense', () => NaN);
    mon.addSource('negative', () => -5);
    assert.throws(() => mon.addSource('pool:embed', () => 1), { name: 'TypeError', message: 'name must be unique ("pool:embed" is already a source)' });
    assert.throws(() => mon.addSource('', () => 1), { name: 'TypeError', message: 'name must be a non-empty string' });
    assert.equal(mon.heaviest(), undefined, 'nothing sampled yet');
    m.rss = 900;
    mon.start();
    assert.deepEqual(mon.heaviest(), { name: 'stage:split', bytes: 500 });
    assert.deepEqual(mon.snapshot().sources, { 'pool:embed': 300, 'stage:split': 500 });
    assert.deepEqual(alerts[0]?.heaviest, { name: 'stage:split', bytes: 500 });
    assert.ok(cap.lines().some((l) => l.source === 'broken' && l.msg === 'memory source failed'));
    removeSplit();
    m.fire();
    assert.deepEqual(mon.heaviest(), { name: 'pool:embed', bytes: 300 });
    await mon.close();
  });

  it('snapshot() has every figure of the latest sample', async () => {
    const { m, mon } = setup();
    mon.addSource('a', () => 7);
    m.t = 123;
    assert.deepEqual(mon.snapshot(), {
      level: 'normal', rssBytes: 100, heapUsedBytes: 40, heapTotalBytes: 60, systemFreeBytes: 10_000, systemTotalBytes: 20_000,
      limitBytes: 1_000, slopeBytesPerSec: 0, sources: { a: 7 }, samples: 1, at: 123,
    }, 'the first snapshot samples');
    m.rss = 200;
    assert.equal(mon.snapshot().rssBytes, 100, 'later snapshots do not sample');
    assert.equal(mon.sample().rssBytes, 200);
    await mon.close();
  });

  it('start() samples at once and arms the timer; close() cancels it, completes the streams, and is idempotent', async () => {
    const { m, mon } = setup({ intervalMs: 250 });
    let completed = 0;
    mon.alerts$.subscribe({ complete: () => completed++ });
    mon.level$.subscribe({ complete: () => completed++ });
    mon.start();
    mon.start();
    assert.equal(m.intervalMs, 250);
    assert.equal(mon.history().length, 1);
    m.fire();
    assert.equal(mon.history().length, 2);
    const p = mon.close();
    assert.equal(mon.close(), p);
    assert.equal(mon[Symbol.asyncDispose](), p);
    await p;
    assert.equal(m.cancelled, 1);
    assert.equal(completed, 2);
    mon.start();
    assert.equal(m.tick, undefined, 'not restarted after close');
    m.rss = 5_000;
    assert.equal(mon.sample().level, 'normal', 'a sample after close records nothing');
    assert.equal(mon.history().length, 2);
  });

  it('a sampler that throws is logged and the next tick samples again', async () => {
    const cap = captureLogger();
    const m = new FakeMachine();
    let fail = true;
    const sampleProcess = () => {
      if (fail) throw new Error('procfs gone');
      return m.sampleProcess();
    };
    const mon = new MemoryMonitor(m.options({ logger: cap.logger, sampleProcess }));
    mon.start();
    assert.equal(mon.history().length, 0);
    assert.ok(cap.lines().some((l) => l.msg === 'memory sample failed' && (l.err as { message?: string }).message === 'procfs gone'));
    fail = false;
    m.fire();
    assert.equal(mon.history().length, 1);
    await mon.close();
  });

  it('the default timer does not keep the process alive', async () => {
    const timeouts = () => process.getActiveResourcesInfo().filter((r) => r === 'Timeout').length;
    const before = timeouts();
    const mon = new MemoryMonitor();
    mon.start();
    assert.equal(timeouts(), before, 'the interval is unref()ed');
    assert.ok(mon.snapshot().rssBytes > 0);
    assert.ok(mon.snapshot().systemTotalBytes > 0);
    await mon.close();
  });
});
