import assert from 'node:assert/strict';
import fc from 'fast-check';
import { LevelPicker, PRIORITIES, maxPassOver, type Priority } from '../../src/scheduler/index.js';

type Availability = Record<Priority, boolean>;

const ALL: Availability = { critical: true, high: true, normal: true, low: true };
const availability = fc.record({ critical: fc.boolean(), high: fc.boolean(), normal: fc.boolean(), low: fc.boolean() });

/** Picks under a sequence of availabilities, with the longest run each level waited unserved. */
function simulate(limit: number, steps: Availability[]): { picks: Array<Priority | undefined>; longestWait: Record<Priority, number> } {
  const picker = new LevelPicker(limit);
  const picks: Array<Priority | undefined> = [];
  const wait: Record<Priority, number> = { critical: 0, high: 0, normal: 0, low: 0 };
  const longestWait = { ...wait };
  for (const avail of steps) {
    const pick = picker.next(avail);
    picks.push(pick);
    for (const p of PRIORITIES) {
      wait[p] = avail[p] && pick !== p ? wait[p] + 1 : 0;
      longestWait[p] = Math.max(longestWait[p], wait[p]);
    }
  }
  return { picks, longestWait };
}

describe('LevelPicker', () => {
  it('serves by strict priority while nothing starves', () => {
    const picker = new LevelPicker(8);
    assert.equal(picker.next({ critical: false, high: true, normal: true, low: true }), 'high');
    assert.equal(picker.next({ critical: false, high: false, normal: true, low: true }), 'normal');
    assert.equal(picker.next({ critical: false, high: false, normal: false, low: true }), 'low');
    assert.equal(picker.next({ critical: false, high: false, normal: false, low: false }), undefined);
  });

  it('serves low after exactly starvationLimit critical picks', () => {
    const picker = new LevelPicker(3);
    const both = { critical: true, high: false, normal: false, low: true };
    const picks = Array.from({ length: 8 }, () => picker.next(both));
    assert.deepEqual(picks, ['critical', 'critical', 'critical', 'low', 'critical', 'critical', 'critical', 'low']);
  });

  it('forgets the wait of a level that ran empty', () => {
    const picker = new LevelPicker(2);
    picker.next({ critical: true, high: false, normal: false, low: true });
    assert.equal(picker.waiting().low, 1);
    picker.next({ critical: true, high: false, normal: false, low: false });
    assert.equal(picker.waiting().low, 0);
    const back = { critical: true, high: false, normal: false, low: true };
    assert.deepEqual([picker.next(back), picker.next(back), picker.next(back)], ['critical', 'critical', 'low']);
  });

  it('under constant load cycles starvationLimit critical picks, then high, normal, low', () => {
    const { picks } = simulate(2, Array.from({ length: 10 }, () => ALL));
    assert.deepEqual(picks, ['critical', 'critical', 'high', 'normal', 'low', 'critical', 'critical', 'high', 'normal', 'low']);
  });

  it('rejects a starvationLimit that is not a positive integer', () => {
    for (const bad of [0, -1, 1.5, Number.NaN]) {
      assert.throws(() => new LevelPicker(bad), { name: 'TypeError', message: 'starvationLimit must be a positive integer' });
    }
  });

  describe('properties', () => {
    it('never picks an empty level, and picks one whenever any has work', () => {
      fc.assert(
        fc.property(fc.integer({ min: 1, max: 10 }), fc.array(availability, { maxLength: 200 }), (limit, steps) => {
          const { picks } = simulate(limit, steps);
          steps.forEach((avail, i) => {
            const pick = picks[i];
            if (PRIORITIES.some((p) => avail[p])) assert.ok(pick !== undefined && avail[pick], `step ${i}: picked ${String(pick)}`);
            else assert.equal(pick, undefined);
          });
        }),
      );
    });

    it('passes over a waiting level at most (levels-1)·starvationLimit times in a row, whatever the load', () => {
      fc.assert(
        fc.property(fc.integer({ min: 1, max: 10 }), fc.array(availability, { maxLength: 300 }), (limit, steps) => {
          const { longestWait } = simulate(limit, steps);
          for (const p of PRIORITIES) assert.ok(longestWait[p] <= maxPassOver(limit), `${p} waited ${longestWait[p]} picks`);
          // The least urgent level is due after `limit` picks and then waits only for the due levels above it.
          assert.ok(longestWait.low <= limit + PRIORITIES.length - 2, `low waited ${longestWait.low} picks`);
        }),
      );
    });

    it('under constant load picks every level within each window of starvationLimit+3 picks', () => {
      fc.assert(
        fc.property(fc.integer({ min: 1, max: 20 }), fc.integer({ min: 0, max: 100 }), (limit, extra) => {
          const window = limit + PRIORITIES.length - 1;
          const { picks } = simulate(limit, Array.from({ length: window * 3 + extra }, () => ALL));
          for (let start = 0; start + window <= picks.length; start++) {
            const seen = new Set(picks.slice(start, start + window));
            for (const p of PRIORITIES) assert.ok(seen.has(p), `${p} missing from picks ${start}..${start + window - 1}`);
          }
        }),
      );
    });

    it('gives critical the largest share under constant load (strictly, from starvationLimit 2)', () => {
      fc.assert(
        fc.property(fc.integer({ min: 1, max: 20 }), fc.integer({ min: 50, max: 400 }), (limit, n) => {
          const { picks } = simulate(limit, Array.from({ length: n }, () => ALL));
          const count = (p: Priority): number => picks.filter((x) => x === p).length;
          for (const p of PRIORITIES.slice(1)) {
            if (limit >= 2) assert.ok(count('critical') > count(p), `critical ${count('critical')} vs ${p} ${count(p)}`);
            else assert.ok(count('critical') >= count(p));
          }
        }),
      );
    });
  });
});
