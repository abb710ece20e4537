import assert from 'node:assert/strict';
import { DEFAULT_CACHE_OPTIONS, resolveCacheOptions } from '../../src/cache/index.js';

describe('cache options', () => {
  it('defaults to the documented values, deeply frozen', () => {
    assert.deepEqual(JSON.parse(JSON.stringify(DEFAULT_CACHE_OPTIONS)), {
      l1: { maxEntries: 10_000, maxBytes: 64 * 1024 * 1024, ttlMs: 60_000 },
      l2: { url: '', keyPrefix: 'docflow:cache:', timeoutMs: 50, compressMinBytes: 1024 },
      l3: { enabled: true, sweepIntervalMs: 60_000, timeoutMs: 1_000 },
      defaultTtlMs: 3_600_000,
      levels: ['l1', 'l2', 'l3'],
      probeIntervalMs: 1_000,
      invalidateTimeoutMs: 10_000,
      maxValueBytes: 8 * 1024 * 1024,
    });
    assert.ok(Object.isFrozen(DEFAULT_CACHE_OPTIONS) && Object.isFrozen(DEFAULT_CACHE_OPTIONS.l1) && Object.isFrozen(DEFAULT_CACHE_OPTIONS.levels));
    assert.equal(resolveCacheOptions(), DEFAULT_CACHE_OPTIONS);
  });

  it('merges groups field by field; undefined means default', () => {
    const o = resolveCacheOptions({ l1: { maxEntries: 5, ttlMs: undefined }, l2: { url: 'redis://127.0.0.1:1' }, levels: ['l1', 'l3'] });
    assert.deepEqual({ ...o.l1 }, { maxEntries: 5, maxBytes: 64 * 1024 * 1024, ttlMs: 60_000 });
    assert.equal(o.l2.url, 'redis://127.0.0.1:1');
    assert.equal(o.l2.timeoutMs, 50);
    assert.deepEqual(o.levels, ['l1', 'l3']);
    assert.ok(Object.isFrozen(o.l1) && Object.isFrozen(o.levels));
  });

  const cases: [string, Record<string, unknown>, string][] = [
    ['l1.maxEntries zero', { l1: { maxEntries: 0 } }, 'options.l1.maxEntries must be a positive integer'],
    ['l1.maxBytes fractional', { l1: { maxBytes: 1.5 } }, 'options.l1.maxBytes must be a positive integer'],
    ['l1 not an object', { l1: 3 }, 'options.l1 must be an object'],
    ['l2.url http', { l2: { url: 'http://x' } }, 'options.l2.url must be empty (no L2) or a redis:// URL'],
    ['l2.timeoutMs negative', { l2: { timeoutMs: -1 } }, 'options.l2.timeoutMs must be a positive integer'],
    ['l2.compressMinBytes string', { l2: { compressMinBytes: '1' } }, 'options.l2.compressMinBytes must be a non-negative integer'],
    ['l3.enabled string', { l3: { enabled: 'yes' } }, 'options.l3.enabled must be a boolean'],
    ['defaultTtlMs zero', { defaultTtlMs: 0 }, 'options.defaultTtlMs must be a positive integer'],
    ['levels empty', { levels: [] }, "options.levels must be a non-empty list of distinct levels from 'l1', 'l2', 'l3'"],
    ['levels unknown', { levels: ['l4'] }, "options.levels must be a non-empty list of distinct levels from 'l1', 'l2', 'l3'"],
    ['levels repeated', { levels: ['l1', 'l1'] }, "options.levels must be a non-empty list of distinct levels from 'l1', 'l2', 'l3'"],
  ];
  for (const [name, input, message] of cases) {
    it(`names the bad field: ${name}`, () => {
      assert.throws(() => resolveCacheOptions(input as never), { name: 'TypeError', message });
    });
  }
});
