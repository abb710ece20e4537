import assert from 'node:assert/strict';
import fc from 'fast-check';
import { cacheKey, stableStringify, storageKey, MAX_PLAIN_KEY_LENGTH, MAX_KEY_LENGTH } from '../../src/cache/index.js';

describe('cache keys', () => {
  it('sorts object keys at every depth, so argument order inside objects does not matter', () => {
    const a = cacheKey('search', [{ text: 'x', where: { lang: 'en', year: { min: 1, max: 2 } }, k: 10 }]);
    const b = cacheKey('search', [{ k: 10, where: { year: { max: 2, min: 1 }, lang: 'en' }, text: 'x' }]);
    assert.equal(a, b);
    assert.equal(a, 'search:[{"k":10,"text":"x","where":{"lang":"en","year":{"max":2,"min":1}}}]');
  });

  it('keeps different arguments apart (positions, types, undefined vs missing are the same)', () => {
    assert.notEqual(cacheKey('f', [1, 2]), cacheKey('f', [2, 1]));
    assert.notEqual(cacheKey('f', ['1']), cacheKey('f', [1]));
    assert.notEqual(cacheKey('f', [[1, 2]]), cacheKey('f', [1, 2]));
    assert.notEqual(cacheKey('f', [1]), cacheKey('g', [1]));
    assert.equal(cacheKey('f', [{ a: 1, b: undefined }]), cacheKey('f', [{ a: 1 }]));
    assert.equal(cacheKey('f', [new Date('2024-01-02T03:04:05Z')]), 'f:["2024-01-02T03:04:05.000Z"]');
    assert.equal(cacheKey('f', [new Uint8Array([1, 2, 3])]), 'f:[{"$bytes":"AQID"}]');
    assert.equal(cacheKey('f', [10n]), 'f:["10n"]');
  });

  it('hashes (sha256 hex) past 200 characters and keeps the prefix', () => {
    const long = cacheKey('docs', ['x'.repeat(500)]);
    assert.match(long, /^docs:#[0-9a-f]{64}$/);
    assert.equal(long, cacheKey('docs', ['x'.repeat(500)]));
    assert.notEqual(long, cacheKey('docs', [`${'x'.repeat(499)}y`]));
    const short = cacheKey('docs', ['x'.repeat(MAX_PLAIN_KEY_LENGTH - 20)]);
    assert.ok(!short.includes('#'));
  });

  it('is stable for any JSON value whatever the key order (property)', () => {
    fc.assert(fc.property(fc.jsonValue(), (v) => {
      const shuffled = JSON.parse(JSON.stringify(v, (_k, x: unknown) => (x && typeof x === 'object' && !Array.isArray(x) ? Object.fromEntries(Object.entries(x).reverse()) : x))) as unknown;
      return cacheKey('p', [v]) === cacheKey('p', [shuffled]) && cacheKey('p', [v]).length <= Math.max(MAX_PLAIN_KEY_LENGTH, 'p:#'.length + 64);
    }), { numRuns: 300 });
  });

  it('refuses what has no stable form', () => {
    assert.throws(() => stableStringify([() => 1]), /function/);
    const cyclic: Record<string, unknown> = {};
    cyclic['self'] = cyclic;
    assert.throws(() => cacheKey('f', [cyclic]), /cycle/);
    assert.throws(() => cacheKey('', [1]), /prefix must be a non-empty string/);
  });

  it('compacts stored keys that are too long or hold NUL, keeping what precedes them', () => {
    assert.equal(storageKey('plain:key'), 'plain:key');
    const long = storageKey(`p:${'y'.repeat(MAX_KEY_LENGTH)}`);
    assert.ok(long.startsWith('p:yyy') && long.length === MAX_PLAIN_KEY_LENGTH + 65, long);
    const nul = storageKey('before\0after');
    assert.match(nul, /^before#[0-9a-f]{64}$/);
    assert.notEqual(nul, storageKey('before\0other'));
    assert.throws(() => storageKey(''), /non-empty/);
    assert.throws(() => storageKey(42 as unknown as string), /non-empty/);
  });
});
