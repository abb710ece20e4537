import assert from 'node:assert/strict';
import fc from 'fast-check';
import { backoffDelay, RestartWindow } from '../../src/supervisor/index.js';

const opts = { minDelayMs: 100, maxDelayMs: 30_000, jitter: 0.2, factor: 2 };
const mid = (): number => 0.5; // no spread
const low = (): number => 0; // shortest: raw·(1 − jitter)
const high = (): number => 1 - Number.EPSILON; // longest, just under raw·(1 + jitter)

describe('backoffDelay', () => {
  const table: Array<[attempt: number, random: () => number, expected: number]> = [
    [0, mid, 100],
    [1, mid, 200],
    [2, mid, 400],
    [5, mid, 3_200],
    [8, mid, 25_600],
    [9, mid, 30_000], // 51 200 capped
    [0, low, 80],
    [0, high, 120],
    [3, low, 640],
    [3, high, 960],
    [9, low, 24_000],
    [9, high, 36_000],
    [1e9, mid, 30_000],
    [1e9, low, 24_000],
    [1e9, high, 36_000],
    [Number.MAX_SAFE_INTEGER, mid, 30_000],
    [Number.MAX_SAFE_INTEGER, low, 24_000],
    [Number.MAX_VALUE, high, 36_000],
    [Infinity, mid, 30_000],
    [-3, mid, 100], // nonsense attempts are the first attempt
    [NaN, mid, 100],
    [2.7, mid, 400],
  ];
  for (const [attempt, random, expected] of table) {
    it(`attempt ${attempt} with random ${random()} → ${expected} ms`, () => {
      assert.equal(backoffDelay(attempt, opts, random), expected);
    });
  }

  it('never overflows: any attempt, factor and random stay within [raw·(1−j), max·(1+j)]', () => {
    fc.assert(
      fc.property(
        fc.oneof(fc.nat(), fc.double({ min: 0, max: Number.MAX_VALUE, noNaN: true }), fc.constant(Number.MAX_SAFE_INTEGER)),
        fc.double({ min: 1, max: 1e6, noNaN: true }),
        fc.double({ min: 0, max: 1, noNaN: true }),
        fc.double({ min: 0, max: 1, maxExcluded: true, noNaN: true }),
        (attempt, factor, jitter, r) => {
          const o = { minDelayMs: 10, maxDelayMs: 60_000, jitter, factor };
          const d = backoffDelay(attempt, o, () => r);
          assert.ok(Number.isFinite(d), `finite, got ${d}`);
          assert.ok(d >= Math.floor(10 * (1 - jitter)) && d <= Math.ceil(60_000 * (1 + jitter)), `in range, got ${d}`);
        },
      ),
    );
  });

  it('a huge attempt count is exactly within max·(1 ± jitter)', () => {
    for (const r of [0, 0.25, 0.5, 0.75, 0.999]) {
      const d = backoffDelay(Number.MAX_SAFE_INTEGER, opts, () => r);
      assert.equal(d, Math.round(30_000 * (1 + 0.2 * (2 * r - 1))));
    }
  });

  it('factor 1 keeps the delay constant; minDelayMs 0 gives 0 (never NaN)', () => {
    assert.equal(backoffDelay(50, { ...opts, factor: 1 }, mid), 100);
    assert.equal(backoffDelay(1e9, { ...opts, minDelayMs: 0 }, mid), 0);
    assert.equal(backoffDelay(1e9, { ...opts, minDelayMs: 0, maxDelayMs: 0 }, high), 0);
  });

  it('a broken random() (NaN, out of range) does not leak NaN', () => {
    assert.equal(backoffDelay(1, opts, () => NaN), 200);
    assert.equal(backoffDelay(1, opts, () => 7), 240);
    assert.equal(backoffDelay(1, opts, () => -7), 160);
  });
});

describe('RestartWindow', () => {
  it('counts restarts inside (now − P, now] and says when they exceed R', () => {
    const w = new RestartWindow(2, 1_000);
    assert.deepEqual(w.record(0), { recent: 1, exceeded: false });
    assert.deepEqual(w.record(500), { recent: 2, exceeded: false });
    assert.deepEqual(w.record(999), { recent: 3, exceeded: true });
  });

  it('forgets restarts that are P or more ms old', () => {
    const w = new RestartWindow(1, 1_000);
    w.record(0);
    assert.deepEqual(w.record(1_000), { recent: 1, exceeded: false }, 'exactly P later: the first fell out');
    assert.deepEqual(w.record(1_999), { recent: 2, exceeded: true });
  });

  it('R = 0 escalates the first restart', () => {
    assert.deepEqual(new RestartWindow(0, 1_000).record(5), { recent: 1, exceeded: true });
  });
});
