import assert from 'node:assert/strict';
import { Subject } from 'rxjs';
import { MemoryMonitor, memoryPolicy, type HeaviestSource, type MemoryAlert, type MemoryLevel } from '../../src/memory/index.js';
import { Supervisor } from '../../src/supervisor/index.js';
import { captureLogger, flush, FakeTime, TestChild, testOptions } from '../supervisor/helpers.js';
import { FakeMachine } from './helpers.js';

function alert(previous: MemoryLevel, level: MemoryLevel, heaviest?: HeaviestSource): MemoryAlert {
  return { type: 'level', level, previous, rssBytes: 1, limitBytes: 2, systemFreeBytes: 3, slopeBytesPerSec: 0, heaviest, at: 0 };
}

/** A fake monitor (a Subject of alerts), a clock, and a record of every call. */
function setup(extra: { criticalCooldownMs?: number } = {}) {
  const alerts$ = new Subject<MemoryAlert>();
  let t = 0;
  const calls: string[] = [];
  const cap = captureLogger();
  const policy = memoryPolicy({ alerts$ }, {
    onHigh: (h) => { calls.push(`high:${h?.name}`); },
    onCritical: (h) => { calls.push(`critical:${h?.name}`); },
    onNormal: () => { calls.push('normal'); },
    now: () => t,
    logger: cap.logger,
    ...extra,
  });
  return { alerts$, calls, policy, cap, advance: (ms: number) => { t += ms; } };
}

describe('memoryPolicy', () => {
  it('calls onHigh when rising to high, onCritical when critical, onNormal when back to normal', () => {
    const { alerts$, calls, policy } = setup();
    const pool = { name: 'pool:embed', bytes: 900 };
    alerts$.next(alert('normal', 'high', pool));
    alerts$.next(alert('high', 'critical', pool));
    alerts$.next(alert('critical', 'high', pool));
    alerts$.next(alert('high', 'normal'));
    assert.deepEqual(calls, ['high:pool:embed', 'critical:pool:embed', 'normal'], 'easing from critical to high calls nothing');
    policy.close();
  });

  it('does not call onCritical again within the cooldown, and does after it', () => {
    const { alerts$, calls, policy, advance, cap } = setup({ criticalCooldownMs: 10_000 });
    const h = { name: 'split', bytes: 1 };
    alerts$.next(alert('high', 'critical', h));
    alerts$.next(alert('critical', 'high', h));
    advance(9_999);
    alerts$.next(alert('high', 'critical', h));
    assert.deepEqual(calls, ['critical:split']);
    assert.ok(cap.lines().some((l) => l.msg === 'memory critical again within the cooldown; no action' && l.sinceLastMs === 9_999));
    alerts$.next(alert('critical', 'high', h));
    advance(1);
    alerts$.next(alert('high', 'critical', h));
    assert.deepEqual(calls, ['critical:split', 'critical:split']);
    policy.close();
  });

  it('logs a failing or rejecting handler and keeps going', async () => {
    const alerts$ = new Subject<MemoryAlert>();
    const cap = captureLogger();
    let highs = 0;
    const policy = memoryPolicy({ alerts$ }, {
      onHigh: () => { highs++; throw new Error('cannot shrink'); },
      onCritical: async () => { throw new Error('cannot restart'); },
      logger: cap.logger,
    });
    alerts$.next(alert('normal', 'high'));
    alerts$.next(alert('high', 'critical'));
    alerts$.next(alert('critical', 'normal'));
    alerts$.next(alert('normal', 'high'));
    await flush();
    assert.equal(highs, 2);
    const errors = cap.lines().filter((l) => l.level === 50).map((l) => `${String(l.msg)}: ${(l.err as { message: string }).message}`).sort();
    assert.deepEqual(errors, ['onCritical failed: cannot restart', 'onHigh failed: cannot shrink', 'onHigh failed: cannot shrink']);
    policy.close();
  });

  it('close() unsubscribes; it is idempotent', () => {
    const { alerts$, calls, policy } = setup();
    policy.close();
    policy[Symbol.dispose]();
    alerts$.next(alert('normal', 'high'));
    assert.deepEqual(calls, []);
    assert.equal(alerts$.observed, false);
  });

  it('end to end: critical memory restarts the heaviest stage through the supervisor, once per cooldown', async () => {
    const time = new FakeTime();
    const sup = new Supervisor(testOptions(time, { intensity: { maxRestarts: 10, periodMs: 1_000 } }));
    const split = new TestChild('split');
    const embed = new TestChild('embed');
    await sup.add(split);
    await sup.add(embed);
    await sup.start();
    const m = new FakeMachine();
    const mon = new MemoryMonitor(m.options());
    mon.addSource('split', () => 10);
    mon.addSource('embed', () => 700);
    const restarts: Array<Promise<boolean>> = [];
    const policy = memoryPolicy(mon, {
      onCritical: (h) => { if (h) restarts.push(sup.restart(h.name, 'memory')); },
      criticalCooldownMs: 10_000,
      now: m.now,
    });
    mon.start();
    m.rss = 1_200;
    m.fire();
    m.rss = 900;
    m.fire(); // eases to high
    m.rss = 1_100;
    m.fire(); // critical again inside the cooldown: no second restart
    assert.equal(restarts.length, 1);
    assert.deepEqual(await Promise.all(restarts), [true]);
    assert.deepEqual(embed.stops, ['memory']);
    assert.equal(embed.starts, 2);
    assert.deepEqual(split.stops, []);
    assert.equal(sup.status()[1]?.restarts, 1);
    policy.close();
    await mon.close();
    await sup.close();
  });
});
