import assert from 'node:assert/strict';
import { nextLevel, type MemoryLevel } from '../../src/memory/index.js';

// limit 1000 B, high at 800 B, hysteresis band 50 B, critical below 100 B free
const t = { limitBytes: 1_000, highRatio: 0.8, hysteresis: 0.05, minSystemFreeBytes: 100 };

describe('nextLevel', () => {
  const table: Array<[previous: MemoryLevel, rss: number, free: number, expected: MemoryLevel]> = [
    ['normal', 799, 5_000, 'normal'],
    ['normal', 800, 5_000, 'high'],
    ['normal', 1_000, 5_000, 'critical'], // straight to critical
    ['normal', 10, 99, 'critical'], // system memory exhausted
    ['normal', 10, 100, 'normal'],
    ['high', 799, 5_000, 'high'], // hysteresis: not below 800 − 50 yet
    ['high', 750, 5_000, 'high'],
    ['high', 749, 5_000, 'normal'],
    ['high', 999, 5_000, 'high'],
    ['critical', 999, 5_000, 'critical'], // hysteresis: not below 1000 − 50 yet
    ['critical', 950, 5_000, 'critical'],
    ['critical', 949, 5_000, 'high'],
    ['critical', 760, 5_000, 'high'], // still within the band of high
    ['critical', 749, 5_000, 'normal'],
    ['critical', 10, 149, 'critical'], // free must rise to 100 + 50
    ['critical', 10, 150, 'normal'],
  ];
  for (const [previous, rss, free, expected] of table) {
    it(`${previous} with rss ${rss} B, ${free} B free → ${expected}`, () => {
      assert.equal(nextLevel(previous, rss, free, t), expected);
    });
  }

  it('hysteresis 0 switches exactly at the thresholds', () => {
    const h0 = { ...t, hysteresis: 0 };
    assert.equal(nextLevel('high', 799, 5_000, h0), 'normal');
    assert.equal(nextLevel('critical', 999, 5_000, h0), 'high');
  });
});
