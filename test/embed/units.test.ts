import assert from 'node:assert/strict';
import fc from 'fast-check';
import { AdaptiveLimiter } from '../../src/embed/aimd.js';
import { estimateTokens, planBatches, retryAfterMs } from '../../src/embed/index.js';
import { rejectsWith, textOf } from './helpers.js';

describe('embed: request planning', () => {
  it('cuts by item count', () => {
    assert.deepEqual(planBatches(Array(7).fill('a'), 3, 1000), [{ start: 0, end: 3 }, { start: 3, end: 6 }, { start: 6, end: 7 }]);
  });

  it('cuts by estimated tokens (characters / 4), and sends a text over the limit alone', () => {
    const t10 = textOf(40); // 10 tokens
    assert.equal(estimateTokens(t10), 10);
    assert.equal(estimateTokens(''), 1);
    const texts = [t10, t10, t10, textOf(400), t10];
    assert.deepEqual(planBatches(texts, 64, 25), [{ start: 0, end: 2 }, { start: 2, end: 3 }, { start: 3, end: 4 }, { start: 4, end: 5 }]);
  });

  it('covers every text once, in order, within both limits (property)', () => {
    fc.assert(fc.property(fc.array(fc.nat(200), { maxLength: 60 }), fc.integer({ min: 1, max: 10 }), fc.integer({ min: 1, max: 100 }), (lens, items, tokens) => {
      const texts = lens.map((n) => 'x'.repeat(n));
      const plan = planBatches(texts, items, tokens);
      let next = 0;
      for (const { start, end } of plan) {
        assert.equal(start, next);
        assert.ok(end > start && end - start <= items);
        const sum = texts.slice(start, end).reduce((s, t) => s + estimateTokens(t), 0);
        assert.ok(sum <= tokens || end - start === 1);
        next = end;
      }
      assert.equal(next, texts.length);
    }));
  });
});

describe('embed: Retry-After', () => {
  const now = Date.parse('2025-01-01T00:00:00Z');
  it('reads seconds and HTTP dates, caps them, and ignores nonsense', () => {
    assert.equal(retryAfterMs('2', 60_000, now), 2000);
    assert.equal(retryAfterMs(' 0.5 ', 60_000, now), 500);
    assert.equal(retryAfterMs('Wed, 01 Jan 2025 00:00:03 GMT', 60_000, now), 3000);
    assert.equal(retryAfterMs('Tue, 31 Dec 2024 23:00:00 GMT', 60_000, now), 0);
    assert.equal(retryAfterMs('3600', 30_000, now), 30_000);
    assert.equal(retryAfterMs(null, 30_000, now), undefined);
    assert.equal(retryAfterMs('soon', 30_000, now), undefined);
    assert.equal(retryAfterMs('-5', 30_000, now), undefined);
  });
});

describe('embed: adaptive concurrency (AIMD)', () => {
  it('starts at max, halves once per burst of congestion, grows back by one after a run of successes', async () => {
    const l = new AdaptiveLimiter(8);
    assert.equal(l.limit, 8);
    const permits = await Promise.all(Array.from({ length: 8 }, () => l.acquire()));
    // All eight were in flight when the server said "too many": one halving, not eight.
    for (const p of permits) l.onCongestion(p);
    assert.equal(l.limit, 4);
    assert.equal(l.decreases, 1);
    for (const p of permits) p.release();
    const next = await l.acquire();
    l.onCongestion(next);
    assert.equal(l.limit, 2, 'a request of the new epoch halves again');
    next.release();
    l.onSuccess();
    assert.equal(l.limit, 2);
    l.onSuccess();
    assert.equal(l.limit, 3, 'two successes at limit 2 allow a third');
    for (let i = 0; i < 100; i++) l.onSuccess();
    assert.equal(l.limit, 8, 'never above max');
  });

  it('never drops below 1', async () => {
    const l = new AdaptiveLimiter(2);
    for (let i = 0; i < 5; i++) {
      const p = await l.acquire();
      l.onCongestion(p);
      p.release();
    }
    assert.equal(l.limit, 1);
  });

  it('holds requests over the limit in FIFO order until slots free, and lets a waiter abort', async () => {
    const l = new AdaptiveLimiter(1);
    const first = await l.acquire();
    const order: string[] = [];
    const ac = new AbortController();
    const a = l.acquire().then((p) => { order.push('a'); return p; });
    const gone = l.acquire(ac.signal);
    const b = l.acquire().then((p) => { order.push('b'); return p; });
    ac.abort();
    await rejectsWith(gone, 'ERR_ABORTED', true);
    assert.equal(l.inFlight, 1);
    first.release();
    (await a).release();
    (await b).release();
    assert.deepEqual(order, ['a', 'b']);
    assert.equal(l.inFlight, 0);
  });

  it('a halving holds back waiters until in-flight requests drop below the new limit', async () => {
    const l = new AdaptiveLimiter(4);
    const permits = await Promise.all(Array.from({ length: 4 }, () => l.acquire()));
    let granted = 0;
    const waiting = l.acquire().then((p) => { granted++; return p; });
    l.onCongestion(permits[0]!);
    permits[0]!.release();
    permits[1]!.release();
    await new Promise((r) => setImmediate(r));
    assert.equal(granted, 0, '2 in flight at limit 2: no grant');
    permits[2]!.release();
    (await waiting).release();
    assert.equal(granted, 1);
    permits[3]!.release();
  });
});
