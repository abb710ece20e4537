import assert from 'node:assert/strict';
import { ObjectPool, type ObjectFactory, type ObjectPoolOptions } from '../../src/pool/index.js';

describe('ObjectPool options', () => {
  const factory: ObjectFactory<object> = { create: async () => ({}) };
  const cases: [string, ObjectPoolOptions, string][] = [
    ['empty name', { name: '' }, 'options.name must be a non-empty string'],
    ['zero maxSize', { maxSize: 0 }, 'options.maxSize must be a positive integer'],
    ['fractional maxSize', { maxSize: 2.5 }, 'options.maxSize must be a positive integer'],
    ['negative minSize', { minSize: -1 }, 'options.minSize must be a non-negative integer'],
    ['minSize over maxSize', { minSize: 3, maxSize: 2 }, 'options.minSize must not exceed options.maxSize'],
    ['zero acquireTimeoutMs', { acquireTimeoutMs: 0 }, 'options.acquireTimeoutMs must be a positive integer'],
    ['negative idleTimeoutMs', { idleTimeoutMs: -1 }, 'options.idleTimeoutMs must be a non-negative integer'],
    ['zero maxWaiters', { maxWaiters: 0 }, 'options.maxWaiters must be a positive integer'],
    ['non-boolean autoscale', { autoscale: 'yes' as never }, 'options.autoscale must be a boolean'],
    ['zero autoscaleIntervalMs', { autoscaleIntervalMs: 0 }, 'options.autoscaleIntervalMs must be a positive integer'],
    ['bad autoscaleMax', { autoscaleMax: 0 }, 'options.autoscaleMax must be a positive integer'],
    ['autoscaleMax under maxSize', { maxSize: 4, autoscaleMax: 3 }, 'options.autoscaleMax must be at least options.maxSize'],
    ['not a logger', { logger: { info() {} } as never }, 'options.logger must be a pino Logger'],
    ['not a clock', { now: 5 as never }, 'options.now must be a function'],
  ];
  for (const [what, options, message] of cases) {
    it(`throws a TypeError for ${what}`, () => {
      assert.throws(() => new ObjectPool(factory, options), { name: 'TypeError', message });
    });
  }

  it('checks the factory', () => {
    assert.throws(() => new ObjectPool(null as never), { name: 'TypeError', message: 'factory must be an object' });
    assert.throws(() => new ObjectPool({} as never), { name: 'TypeError', message: 'factory.create must be a function' });
    assert.throws(() => new ObjectPool({ create: factory.create, destroy: 1 } as never), { name: 'TypeError', message: 'factory.destroy must be a function' });
    assert.throws(() => new ObjectPool({ create: factory.create, validate: 'x' } as never), { name: 'TypeError', message: 'factory.validate must be a function' });
    assert.throws(() => new ObjectPool(factory, null as never), { name: 'TypeError', message: 'options must be an object' });
  });

  it('fills the documented defaults', async () => {
    const pool = new ObjectPool(factory);
    try {
      const s = pool.stats();
      assert.deepEqual([s.name, s.maxSize, s.minSize, s.size], ['objects', 10, 0, 0]);
    } finally {
      await pool.close();
    }
  });
});
