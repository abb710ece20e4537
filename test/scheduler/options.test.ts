import assert from 'node:assert/strict';
import { DEFAULT_MAX_QUEUED, PriorityScheduler, fillSchedulerOptions, type SchedulerOptions } from '../../src/scheduler/index.js';

describe('PriorityScheduler: options', () => {
  it('fills the documented defaults', () => {
    const o = fillSchedulerOptions();
    assert.equal(o.concurrency, 1);
    assert.equal(o.timeoutMs, 30_000);
    assert.equal(o.starvationLimit, 8);
    assert.equal(o.closeGraceMs, 5000);
    assert.deepEqual(o.retry, { maxAttempts: 3, baseDelayMs: 100, maxDelayMs: 10_000, jitter: 0.2 });
    assert.deepEqual(o.maxQueued, { critical: DEFAULT_MAX_QUEUED, high: DEFAULT_MAX_QUEUED, normal: DEFAULT_MAX_QUEUED, low: DEFAULT_MAX_QUEUED });
  });

  it('takes maxQueued as one number or per level, and treats an explicit undefined as the default', () => {
    assert.deepEqual(fillSchedulerOptions({ maxQueued: 5 }).maxQueued, { critical: 5, high: 5, normal: 5, low: 5 });
    assert.deepEqual(fillSchedulerOptions({ maxQueued: { low: 2 } }).maxQueued.low, 2);
    assert.equal(fillSchedulerOptions({ maxQueued: { low: 2 } }).maxQueued.high, DEFAULT_MAX_QUEUED);
    assert.equal(fillSchedulerOptions({ concurrency: undefined }).concurrency, 1);
  });

  const bad: Array<[string, SchedulerOptions, string]> = [
    ['name', { name: '' }, 'options.name must be a non-empty string'],
    ['concurrency', { concurrency: 0 }, 'options.concurrency must be a positive integer'],
    ['concurrency (fraction)', { concurrency: 1.5 }, 'options.concurrency must be a positive integer'],
    ['maxQueued', { maxQueued: 0 }, 'options.maxQueued must be a positive integer'],
    ['maxQueued per level', { maxQueued: { high: -1 } }, 'options.maxQueued.high must be a positive integer'],
    ['maxQueued unknown level', { maxQueued: { urgent: 1 } as never }, 'options.maxQueued.urgent is not a priority (critical, high, normal, low)'],
    ['maxQueued type', { maxQueued: 'many' as never }, 'options.maxQueued must be a positive integer or an object by priority'],
    ['retry', { retry: 3 as never }, 'options.retry must be an object'],
    ['retry.maxAttempts', { retry: { maxAttempts: 0 } }, 'options.retry.maxAttempts must be a positive integer'],
    ['retry.baseDelayMs', { retry: { baseDelayMs: -1 } }, 'options.retry.baseDelayMs must be a non-negative integer'],
    ['retry.maxDelayMs', { retry: { maxDelayMs: 1.5 } }, 'options.retry.maxDelayMs must be a non-negative integer'],
    ['retry.maxDelayMs < base', { retry: { baseDelayMs: 500, maxDelayMs: 100 } }, 'options.retry.maxDelayMs must be at least options.retry.baseDelayMs'],
    ['retry.jitter', { retry: { jitter: 1.5 } }, 'options.retry.jitter must be a number from 0 to 1'],
    ['retry.jitter NaN', { retry: { jitter: Number.NaN } }, 'options.retry.jitter must be a number from 0 to 1'],
    ['timeoutMs', { timeoutMs: -5 }, 'options.timeoutMs must be a non-negative integer'],
    ['starvationLimit', { starvationLimit: 0 }, 'options.starvationLimit must be a positive integer'],
    ['closeGraceMs', { closeGraceMs: -1 }, 'options.closeGraceMs must be a non-negative integer'],
    ['now', { now: 5 as never }, 'options.now must be a function'],
    ['random', { random: 'x' as never }, 'options.random must be a function'],
    ['timers', { timers: { setTimeout: () => 1 } as never }, 'options.timers must have setTimeout and clearTimeout functions'],
    ['logger', { logger: {} as never }, 'options.logger must be a pino Logger'],
  ];
  for (const [what, options, message] of bad) {
    it(`names a bad ${what}`, () => {
      assert.throws(() => new PriorityScheduler(options), { name: 'TypeError', message });
    });
  }

  it('rejects options that are not an object', () => {
    assert.throws(() => new PriorityScheduler(null as never), { name: 'TypeError', message: 'options must be an object' });
  });
});
