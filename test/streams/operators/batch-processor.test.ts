import assert from 'node:assert/strict';
import { TestScheduler } from 'rxjs/testing';
import { DocflowError } from '../../../src/errors/index.js';
import { BatchProcessor, DEFAULT_BATCH_SETTINGS, byteSize, fillBatchSettings } from '../../../streams/index.js';

const scheduler = (): TestScheduler => new TestScheduler((actual, expected) => assert.deepEqual(actual, expected));

describe('BatchProcessor', () => {
  it('applies tune() to a running stream at once and counts what it emitted', () => {
    const p = new BatchProcessor<string>({ batchSize: 10, batchWaitMs: 50 });
    const ts = scheduler();
    ts.run(({ cold, expectObservable }) => {
      ts.schedule(() => p.tune({ batchSize: 2 }), 4);
      expectObservable(cold('-abc 10ms de|').pipe(p.operator())).toBe('----x 10ms y|', { x: ['a', 'b', 'c'], y: ['d', 'e'] });
    });
    assert.deepEqual(p.settings, { batchSize: 2, batchWaitMs: 50, maxBytes: 0 });
    assert.deepEqual(p.stats().flushes, { size: 2, time: 0, bytes: 0, complete: 0 });
    assert.equal(p.stats().items, 5);
  });

  it('rejects a bad tune with ERR_TUNE_INVALID naming the key, leaving the settings as they were', () => {
    const p = new BatchProcessor({ batchSize: 8 });
    for (const [patch, message] of [
      [{ batchSize: 0 }, 'settings.batchSize must be a positive integer'],
      [{ batchWaitMs: -1 }, 'settings.batchWaitMs must be a non-negative integer'],
      [{ maxBytes: 1.5 }, 'settings.maxBytes must be a non-negative integer'],
      [{ concurrency: 3 }, 'settings.concurrency is not a batch setting (batchSize, batchWaitMs, maxBytes)'],
    ] as const) {
      assert.throws(() => p.tune(patch as never), (err: unknown) => {
        assert.ok(err instanceof DocflowError);
        assert.equal(err.code, 'ERR_TUNE_INVALID');
        assert.equal(err.message, message);
        return true;
      });
    }
    assert.deepEqual(p.settings, { ...DEFAULT_BATCH_SETTINGS, batchSize: 8 });
    assert.deepEqual(p.tune({ batchWaitMs: 5 }), { ...DEFAULT_BATCH_SETTINGS, batchSize: 8, batchWaitMs: 5 });
  });

  it('names a bad setting at construction with a TypeError', () => {
    assert.throws(() => new BatchProcessor({ batchWaitMs: 0.5 }), { name: 'TypeError', message: 'settings.batchWaitMs must be a non-negative integer' });
  });
});

describe('fillBatchSettings', () => {
  it('fills the documented defaults and merges a patch over a base', () => {
    assert.deepEqual(fillBatchSettings({}), { batchSize: 32, batchWaitMs: 50, maxBytes: 0 });
    assert.deepEqual(fillBatchSettings({ batchSize: undefined, maxBytes: 100 }, { batchSize: 4, batchWaitMs: 9, maxBytes: 0 }), { batchSize: 4, batchWaitMs: 9, maxBytes: 100 });
    assert.ok(Object.isFrozen(DEFAULT_BATCH_SETTINGS));
  });

  it('rejects a patch that is not an object', () => {
    assert.throws(() => fillBatchSettings(null as never), { name: 'TypeError', message: 'settings must be an object' });
  });
});

describe('byteSize', () => {
  it('measures strings in UTF-8 and binary items by their bytes', () => {
    assert.equal(byteSize('héllo'), 6);
    assert.equal(byteSize(new Uint8Array(7)), 7);
    assert.equal(byteSize(new DataView(new ArrayBuffer(16), 4)), 12);
    assert.equal(byteSize(new ArrayBuffer(3)), 3);
    assert.throws(() => byteSize(null), { name: 'TypeError', message: 'byteSize: cannot measure a null; pass options.sizeOf' });
  });
});
