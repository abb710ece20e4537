import assert from 'node:assert/strict';
import { UtilizationMeter } from '../../src/pool/index.js';

describe('UtilizationMeter', () => {
  it('is busy thread time over available thread time, across resizes', () => {
    let t = 0;
    const m = new UtilizationMeter(2, () => t);
    assert.equal(m.value(), 0, 'no time has passed');
    m.set(1, 2);
    t = 100; // 100 busy of 200
    assert.equal(m.value(), 0.5);
    m.set(2, 2);
    t = 200; // +200 busy of +200
    assert.equal(m.value(), 0.75);
    m.set(0, 4);
    t = 300; // +0 busy of +400
    assert.equal(m.value(), 300 / 800);
  });

  it('stays within 1 while retiring threads finish after a shrink', () => {
    let t = 0;
    const m = new UtilizationMeter(3, () => t);
    m.set(3, 1);
    t = 50;
    assert.equal(m.value(), 1);
  });

  it('ignores a clock that goes backwards', () => {
    let t = 100;
    const m = new UtilizationMeter(1, () => t);
    m.set(1, 1);
    t = 50;
    assert.equal(m.value(), 0);
  });
});
