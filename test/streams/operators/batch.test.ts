import assert from 'node:assert/strict';
import { TestScheduler } from 'rxjs/testing';
import { BatchCounters, batch, type BatchSettings } from '../../../streams/index.js';

const scheduler = (): TestScheduler => new TestScheduler((actual, expected) => assert.deepEqual(actual, expected));

describe('batch', () => {
  it('flushes at batchSize items', () => {
    scheduler().run(({ cold, expectObservable }) => {
      const out = cold('-abc-def--|').pipe(batch({ batchSize: 3, batchWaitMs: 100 }));
      expectObservable(out).toBe('---x---y--|', { x: ['a', 'b', 'c'], y: ['d', 'e', 'f'] });
    });
  });

  it('flushes batchWaitMs after the first item of each batch, not on a fixed clock', () => {
    scheduler().run(({ cold, expectObservable }) => {
      // a at 2 → flush at 7; b at 12, c at 15 → flush at 17 (bufferTime(5) would give [a] at 5, [b] at 15, [c] at 20).
      const out = cold('--a 9ms b 2ms c 10ms |').pipe(batch({ batchSize: 10, batchWaitMs: 5 }));
      expectObservable(out).toBe('7ms x 9ms y 8ms |', { x: ['a'], y: ['b', 'c'] });
    });
  });

  it('emits nothing while the stream is idle (no empty batches)', () => {
    const counters = new BatchCounters();
    scheduler().run(({ cold, expectObservable }) => {
      expectObservable(cold('a 100ms |').pipe(batch({ batchSize: 10, batchWaitMs: 5 }, { counters }))).toBe('5ms x 95ms |', { x: ['a'] });
      expectObservable(cold('100ms |').pipe(batch({ batchWaitMs: 5 }))).toBe('100ms |');
    });
    assert.deepEqual(counters.stats().flushes, { size: 0, time: 1, bytes: 0, complete: 0 });
  });

  it('flushes before an item would take the batch past maxBytes (UTF-8 bytes by default)', () => {
    scheduler().run(({ cold, expectObservable }) => {
      const values = { a: 'aaaa', b: 'bbbb', c: 'cccc' };
      const out = cold('-abc 20ms |', values).pipe(batch({ batchSize: 100, batchWaitMs: 50, maxBytes: 10 }));
      expectObservable(out).toBe('---x 20ms (y|)', { x: ['aaaa', 'bbbb'], y: ['cccc'] });
    });
  });

  it('flushes a batch that reaches maxBytes exactly, and sends an oversized item alone at once', () => {
    const counters = new BatchCounters();
    scheduler().run(({ cold, expectObservable }) => {
      const values = { d: 15, e: 6, f: 4 };
      const out = cold('-def-|', values).pipe(batch<number>({ batchSize: 100, batchWaitMs: 50, maxBytes: 10 }, { sizeOf: (n) => n, counters }));
      expectObservable(out).toBe('-x-y-|', { x: [15], y: [6, 4] });
    });
    assert.equal(counters.stats().flushes.bytes, 2);
  });

  it('flushes the open batch on completion', () => {
    scheduler().run(({ cold, expectObservable }) => {
      expectObservable(cold('-ab|').pipe(batch({ batchSize: 10, batchWaitMs: 50 }))).toBe('---(x|)', { x: ['a', 'b'] });
      expectObservable(cold('|').pipe(batch())).toBe('|');
    });
  });

  it('passes errors on and drops the open batch', () => {
    scheduler().run(({ cold, expectObservable }) => {
      const err = new Error('upstream');
      expectObservable(cold('-ab#', undefined, err).pipe(batch({ batchSize: 10 }))).toBe('---#', undefined, err);
    });
  });

  it('turns a failing or unusable sizeOf into an error of the stream', () => {
    scheduler().run(({ cold, expectObservable }) => {
      const err = new Error('cannot measure');
      const throwing = batch<string>({ maxBytes: 5 }, { sizeOf: () => { throw err; } });
      expectObservable(cold('-a').pipe(throwing)).toBe('-#', undefined, err);
      const negative = batch<string>({ maxBytes: 5 }, { sizeOf: () => -1 });
      expectObservable(cold('-a').pipe(negative)).toBe('-#', undefined, new TypeError('batch: sizeOf must return a non-negative number (got -1)'));
      const objects = cold('-a', { a: { id: 1 } }).pipe(batch({ maxBytes: 5 }));
      expectObservable(objects).toBe('-#', undefined, new TypeError('byteSize: cannot measure a object; pass options.sizeOf'));
    });
  });

  it('throws at once on bad fixed settings or options', () => {
    assert.throws(() => batch({ batchSize: 0 }), { name: 'TypeError', message: 'settings.batchSize must be a positive integer' });
    assert.throws(() => batch({}, { sizeOf: 5 as never }), { name: 'TypeError', message: 'options.sizeOf must be a function' });
  });

  describe('run-time settings (an Observable of partial settings)', () => {
    type S = Partial<BatchSettings>;

    it('flushes the open batch at once when batchSize drops below its length, and keeps the new size', () => {
      scheduler().run(({ cold, expectObservable }) => {
        const settings = cold<S>('s---t', { s: { batchSize: 10, batchWaitMs: 50 }, t: { batchSize: 2 } });
        const out = cold('-abc 10ms de 5ms |').pipe(batch(settings));
        expectObservable(out).toBe('----x 10ms y 5ms |', { x: ['a', 'b', 'c'], y: ['d', 'e'] });
      });
    });

    it('moves the timer of the open batch to firstItem + the new batchWaitMs', () => {
      scheduler().run(({ cold, expectObservable }) => {
        const shorter = cold<S>('s--t', { s: { batchSize: 10, batchWaitMs: 10 }, t: { batchWaitMs: 4 } });
        expectObservable(cold('-a 20ms |').pipe(batch(shorter))).toBe('-----x 16ms |', { x: ['a'] });
        // Already overdue under the new wait: flushed when the settings arrive.
        const overdue = cold<S>('s 7ms t', { s: { batchSize: 10, batchWaitMs: 10 }, t: { batchWaitMs: 4 } });
        expectObservable(cold('-a 20ms |').pipe(batch(overdue))).toBe('8ms x 13ms |', { x: ['a'] });
      });
    });

    it('measures the open batch when maxBytes is switched on', () => {
      scheduler().run(({ cold, expectObservable }) => {
        const settings = cold<S>('s--t', { s: { batchSize: 10, batchWaitMs: 50 }, t: { maxBytes: 8 } });
        const out = cold('-ab 10ms |', { a: 'aaaa', b: 'bbbb' }).pipe(batch(settings));
        expectObservable(out).toBe('---x 9ms |', { x: ['aaaa', 'bbbb'] });
      });
    });

    it('errors the stream on a bad emission, on a settings error, and on an item before any settings', () => {
      scheduler().run(({ cold, expectObservable }) => {
        const bad = cold<S>('s--t', { s: { batchSize: 2 }, t: { batchSize: 0 } });
        expectObservable(cold('-a----').pipe(batch(bad))).toBe('---#', undefined, new TypeError('settings.batchSize must be a positive integer'));
        const err = new Error('settings source failed');
        expectObservable(cold('-a----').pipe(batch(cold<S>('s-#', { s: {} }, err)))).toBe('--#', undefined, err);
        const late = cold<S>('---s', { s: {} });
        expectObservable(cold('-a').pipe(batch(late))).toBe('-#', undefined,
          new TypeError('batch: no settings yet: the settings observable must emit before the first item (a BehaviorSubject does)'));
      });
    });
  });

  it('cancels the timer of the open batch on unsubscribe', () => {
    const counters = new BatchCounters();
    scheduler().run(({ cold, expectObservable }) => {
      expectObservable(cold('-a 20ms |').pipe(batch({ batchWaitMs: 10 }, { counters })), '---!').toBe('-');
    });
    assert.equal(counters.stats().batches, 0);
  });

  it('counts batches, items, flush reasons and the wait of each first item', () => {
    const counters = new BatchCounters();
    scheduler().run(({ cold, expectObservable }) => {
      // [a,b,c] by size at 3 (a waited 2), [d,e] by time at 19 (d waited 5), [f] on completion at 39 (waited 1).
      const out = cold('-abc 10ms d 2ms e 20ms f|').pipe(batch({ batchSize: 3, batchWaitMs: 5 }, { counters }));
      expectObservable(out).toBe('---x 15ms y 19ms (z|)', { x: ['a', 'b', 'c'], y: ['d', 'e'], z: ['f'] });
    });
    assert.deepEqual(counters.stats(), {
      batches: 3,
      items: 6,
      meanBatchSize: 2,
      flushes: { size: 1, time: 1, bytes: 0, complete: 1 },
      firstItemWaitMs: { mean: 8 / 3, max: 5 },
    });
  });

  it('reports zeros before the first batch', () => {
    assert.deepEqual(new BatchCounters().stats(), {
      batches: 0, items: 0, meanBatchSize: 0, flushes: { size: 0, time: 0, bytes: 0, complete: 0 }, firstItemWaitMs: { mean: 0, max: 0 },
    });
  });
});
