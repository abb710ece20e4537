import assert from 'node:assert/strict';
import { fillMemoryMonitorOptions, MemoryMonitor, memoryPolicy, type MemoryMonitorOptions, type MemoryPolicyOptions } from '../../src/memory/index.js';
import { Subject } from 'rxjs';

describe('MemoryMonitor options', () => {
  it('fills the documented defaults', () => {
    const o = fillMemoryMonitorOptions();
    assert.equal(o.intervalMs, 1_000);
    assert.equal(o.historySize, 120);
    assert.equal(o.limitBytes, 1.5 * 1024 ** 3);
    assert.equal(o.highRatio, 0.8);
    assert.equal(o.hysteresis, 0.05);
    assert.equal(o.minSystemFreeBytes, 256 * 1024 ** 2);
    assert.equal(o.now, Date.now);
    assert.equal(typeof o.sampleSystem, 'function');
    assert.ok(Object.isFrozen(o));
  });

  const bad: Array<[unknown, string]> = [
    [null, 'options must be an object'],
    [{ intervalMs: 0 }, 'options.intervalMs must be a positive integer'],
    [{ intervalMs: 1.5 }, 'options.intervalMs must be a positive integer'],
    [{ historySize: 0 }, 'options.historySize must be a positive integer'],
    [{ limitBytes: -1 }, 'options.limitBytes must be a positive integer'],
    [{ highRatio: 0 }, 'options.highRatio must be a number greater than 0 and at most 1'],
    [{ highRatio: 1.1 }, 'options.highRatio must be a number greater than 0 and at most 1'],
    [{ hysteresis: -0.1 }, 'options.hysteresis must be a number from 0 to below options.highRatio'],
    [{ highRatio: 0.5, hysteresis: 0.5 }, 'options.hysteresis must be a number from 0 to below options.highRatio'],
    [{ hysteresis: NaN }, 'options.hysteresis must be a number from 0 to below options.highRatio'],
    [{ minSystemFreeBytes: -1 }, 'options.minSystemFreeBytes must be a non-negative integer'],
    [{ now: 1 }, 'options.now must be a function'],
    [{ sampleProcess: {} }, 'options.sampleProcess must be a function'],
    [{ sampleSystem: 'os' }, 'options.sampleSystem must be a function'],
    [{ timer: 5 }, 'options.timer must be a function'],
    [{ logger: {} }, 'options.logger must be a pino Logger'],
  ];
  for (const [options, message] of bad) {
    it(`rejects ${JSON.stringify(options)}: "${message}"`, () => {
      assert.throws(() => new MemoryMonitor(options as MemoryMonitorOptions), (err: unknown) => err instanceof TypeError && err.message === message);
    });
  }
});

describe('memoryPolicy options', () => {
  const monitor = { alerts$: new Subject<never>() };
  const bad: Array<[unknown, string]> = [
    [undefined, 'options must be an object'],
    [{ onHigh: 'shrink' }, 'options.onHigh must be a function'],
    [{ onCritical: 1 }, 'options.onCritical must be a function'],
    [{ onNormal: {} }, 'options.onNormal must be a function'],
    [{ criticalCooldownMs: -1 }, 'options.criticalCooldownMs must be a non-negative integer'],
    [{ now: 'now' }, 'options.now must be a function'],
    [{ logger: console }, 'options.logger must be a pino Logger'],
  ];
  for (const [options, message] of bad) {
    it(`rejects ${JSON.stringify(options)}: "${message}"`, () => {
      assert.throws(() => memoryPolicy(monitor, options as MemoryPolicyOptions), (err: unknown) => err instanceof TypeError && err.message === message);
    });
  }
});
