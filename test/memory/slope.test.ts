import assert from 'node:assert/strict';
import fc from 'fast-check';
import { slope } from '../../src/memory/index.js';

const line = (a: number, b: number, ts: number[]) => ts.map((t) => ({ t, v: a * t + b }));

describe('slope (least squares)', () => {
  it('recovers the slope of an exact line', () => {
    assert.equal(slope(line(3, 7, [0, 1, 2, 3, 4])), 3);
    assert.equal(slope(line(-2.5, 1_000, [10, 20, 30])), -2.5);
    assert.equal(slope(line(0, 42, [1, 2, 3, 4])), 0);
  });

  it('handles unevenly spaced points', () => {
    assert.equal(slope(line(4, 0, [0, 1, 5, 6, 20])), 4);
  });

  it('averages out symmetric noise', () => {
    // ±5 alternating on a slope-2 line over symmetric, evenly spaced points: the noise is uncorrelated with t.
    const pts = [0, 1, 2, 3].map((t) => ({ t, v: 2 * t + (t === 0 || t === 3 ? 5 : -5) }));
    assert.equal(slope(pts), 2);
    const noisy = Array.from({ length: 200 }, (_, i) => ({ t: i, v: 1_000 * i + ((i * 7919) % 13) - 6 }));
    assert.ok(Math.abs(slope(noisy) - 1_000) < 1, `close to 1000, got ${slope(noisy)}`);
  });

  it('is 0 (not NaN) for no points, a single point, or equal timestamps', () => {
    assert.equal(slope([]), 0);
    assert.equal(slope([{ t: 5, v: 100 }]), 0);
    assert.equal(slope([{ t: 5, v: 100 }, { t: 5, v: 900 }, { t: 5, v: 3 }]), 0);
    assert.equal(slope([{ t: 1_700_000_000.123, v: 1 }, { t: 1_700_000_000.123, v: 2 }, { t: 1_700_000_000.123, v: 3 }]), 0);
  });

  it('is 0 for non-finite input', () => {
    assert.equal(slope([{ t: 0, v: NaN }, { t: 1, v: 2 }]), 0);
    assert.equal(slope([{ t: 0, v: 1 }, { t: Infinity, v: 2 }]), 0);
  });

  it('keeps precision with epoch timestamps in seconds and GiB-sized values', () => {
    const t0 = 1_700_000_000; // epoch seconds
    const pts = Array.from({ length: 120 }, (_, i) => ({ t: t0 + i, v: 1.5 * 1024 ** 3 + 1_048_576 * i }));
    assert.ok(Math.abs(slope(pts) - 1_048_576) < 1e-3, `got ${slope(pts)}`);
  });

  it('recovers any line (property)', () => {
    fc.assert(
      fc.property(
        fc.double({ min: -1e9, max: 1e9, noNaN: true }),
        fc.double({ min: -1e12, max: 1e12, noNaN: true }),
        fc.uniqueArray(fc.integer({ min: 0, max: 1_000_000 }), { minLength: 2, maxLength: 50 }),
        (a, b, ts) => {
          const s = slope(line(a, b, ts));
          assert.ok(Math.abs(s - a) <= 1e-6 * Math.max(1, Math.abs(a), Math.abs(b) / 1e3), `slope ${s} vs ${a}`);
        },
      ),
    );
  });
});
