import assert from 'node:assert/strict';
import { fillSupervisorOptions, Supervisor, type SupervisorOptions } from '../../src/supervisor/index.js';

describe('Supervisor options', () => {
  it('fills the documented defaults and freezes them', () => {
    const o = fillSupervisorOptions();
    assert.deepEqual(o.restart, { minDelayMs: 100, maxDelayMs: 30_000, jitter: 0.2, factor: 2 });
    assert.deepEqual(o.intensity, { maxRestarts: 3, periodMs: 5_000 });
    assert.equal(o.now, Date.now);
    assert.equal(o.random, Math.random);
    assert.ok(Object.isFrozen(o) && Object.isFrozen(o.restart) && Object.isFrozen(o.intensity));
  });

  it('keeps given values and treats an explicit undefined as the default', () => {
    const o = fillSupervisorOptions({ restart: { minDelayMs: 5, maxDelayMs: undefined }, intensity: { periodMs: 10 } });
    assert.equal(o.restart.minDelayMs, 5);
    assert.equal(o.restart.maxDelayMs, 30_000);
    assert.equal(o.intensity.periodMs, 10);
    assert.equal(o.intensity.maxRestarts, 3);
  });

  const bad: Array<[string, unknown, string]> = [
    ['options', 42, 'options must be an object'],
    ['restart', { restart: 'fast' }, 'options.restart must be an object'],
    ['intensity', { intensity: [] }, 'options.intensity must be an object'],
    ['minDelayMs', { restart: { minDelayMs: -1 } }, 'options.restart.minDelayMs must be a non-negative number'],
    ['minDelayMs NaN', { restart: { minDelayMs: NaN } }, 'options.restart.minDelayMs must be a non-negative number'],
    ['maxDelayMs', { restart: { maxDelayMs: Infinity } }, 'options.restart.maxDelayMs must be a non-negative number'],
    ['max < min', { restart: { minDelayMs: 500, maxDelayMs: 100 } }, 'options.restart.maxDelayMs must be at least options.restart.minDelayMs'],
    ['jitter', { restart: { jitter: 1.5 } }, 'options.restart.jitter must be a number from 0 to 1'],
    ['jitter NaN', { restart: { jitter: NaN } }, 'options.restart.jitter must be a number from 0 to 1'],
    ['factor', { restart: { factor: 0.5 } }, 'options.restart.factor must be a finite number ≥ 1'],
    ['maxRestarts', { intensity: { maxRestarts: 1.5 } }, 'options.intensity.maxRestarts must be a non-negative integer'],
    ['maxRestarts negative', { intensity: { maxRestarts: -1 } }, 'options.intensity.maxRestarts must be a non-negative integer'],
    ['periodMs', { intensity: { periodMs: 0 } }, 'options.intensity.periodMs must be a positive integer'],
    ['now', { now: 5 }, 'options.now must be a function'],
    ['random', { random: 'x' }, 'options.random must be a function'],
    ['sleep', { sleep: {} }, 'options.sleep must be a function'],
    ['logger', { logger: console }, 'options.logger must be a pino Logger'],
  ];
  for (const [what, options, message] of bad) {
    it(`rejects a bad ${what}: "${message}"`, () => {
      assert.throws(() => new Supervisor(options as SupervisorOptions), (err: unknown) => err instanceof TypeError && err.message === message);
    });
  }
});
