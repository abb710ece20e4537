import assert from 'node:assert/strict';
import fc from 'fast-check';
import { collectionName, CHROMA_NAME, translateWhere } from '../../src/stores/chroma.js';
import { DocflowError } from '../../src/errors/index.js';

const invalid = (e: unknown) => e instanceof DocflowError && e.code === 'ERR_QUERY_INVALID' && Array.isArray(e.details);

describe('stores: Chroma collection names and filters', () => {
  describe('collectionName', () => {
    it('is readable, deterministic, and keeps models and dimensions apart', () => {
      const a = collectionName('docs', 'text-embedding-3-small', 1536);
      assert.match(a, /^docs_text-embedding-3-small_1536_[0-9a-f]{10}$/);
      assert.equal(collectionName('docs', 'text-embedding-3-small', 1536), a);
      assert.notEqual(collectionName('docs', 'text-embedding-3-small', 512), a);
      assert.notEqual(collectionName('docs', 'text-embedding-3-large', 1536), a);
      assert.notEqual(collectionName('Docs', 'text-embedding-3-small', 1536), a);
      // inputs whose readable slugs coincide still get different names
      assert.notEqual(collectionName('docs', 'org/model', 8), collectionName('docs', 'org_model', 8));
      assert.notEqual(collectionName('a_b', 'c', 8), collectionName('a', 'b_c', 8));
    });

    it('always satisfies Chroma: 3-63 of [a-zA-Z0-9._-], alphanumeric at both ends, no ..', () => {
      const samples: Array<[string, string, number]> = [
        ['x', 'y', 1], ['..', '--', 3], ['___', '...', 1_000_000], ['é', '模型', 7], ['a'.repeat(500), 'b'.repeat(500), 99999],
        ['docs', `sentence-transformers/${'all-MiniLM-L6-v2'.repeat(5)}`, 384], ['my docs!', 'nomic-embed-text:v1.5', 768],
      ];
      for (const [b, m, d] of samples) {
        const name = collectionName(b, m, d);
        assert.match(name, CHROMA_NAME, `${JSON.stringify([b, m, d])} -> ${name}`);
        assert.ok(name.length <= 63);
      }
      fc.assert(fc.property(fc.string({ minLength: 1, maxLength: 200 }), fc.string({ minLength: 1, maxLength: 200 }), fc.integer({ min: 1, max: 1 << 20 }), (b, m, d) => {
        const name = collectionName(b, m, d);
        return CHROMA_NAME.test(name) && name.length >= 3 && name.length <= 63 && !name.includes('..');
      }), { numRuns: 500 });
    });

    it('refuses empty inputs and bad dimensions', () => {
      for (const args of [['', 'm', 8], ['c', '', 8], ['c', 'm', 0], ['c', 'm', 1.5], ['c', 'm', -3]] as Array<[string, string, number]>) {
        assert.throws(() => collectionName(...args), (e: unknown) => e instanceof DocflowError && e.code === 'ERR_STORE_QUERY');
      }
    });
  });

  describe('translateWhere', () => {
    it('translates equality, ranges and membership, several keys as $and', () => {
      assert.equal(translateWhere(undefined), undefined);
      assert.equal(translateWhere(null), undefined);
      assert.equal(translateWhere({}), undefined);
      assert.deepEqual(translateWhere({ lang: 'en' }), { lang: { $eq: 'en' } });
      assert.deepEqual(translateWhere({ draft: false }), { draft: { $eq: false } });
      assert.deepEqual(translateWhere({ year: { min: 2000 } }), { year: { $gte: 2000 } });
      assert.deepEqual(translateWhere({ year: { min: 2000, max: 2010 } }), { $and: [{ year: { $gte: 2000 } }, { year: { $lte: 2010 } }] });
      assert.deepEqual(translateWhere({ tag: { in: ['a', 'b'] } }), { tag: { $in: ['a', 'b'] } });
      assert.deepEqual(translateWhere({ lang: 'en', 'page.no': { max: 3 }, tag: { in: [1, 2] } }), {
        $and: [{ lang: { $eq: 'en' } }, { 'page.no': { $lte: 3 } }, { tag: { $in: [1, 2] } }],
      });
    });

    it('keeps hostile values as data: an operator-looking string is still compared for equality', () => {
      assert.deepEqual(translateWhere({ lang: '$ne' }), { lang: { $eq: '$ne' } });
      assert.deepEqual(translateWhere({ q: '{"$gt": 0}' }), { q: { $eq: '{"$gt": 0}' } });
      // a key named __proto__ (as JSON.parse makes it) becomes a real key, never a prototype
      const where = translateWhere(JSON.parse('{"__proto__": "x", "a": 1}')) as { $and: object[] };
      assert.equal(JSON.stringify(where), '{"$and":[{"__proto__":{"$eq":"x"}},{"a":{"$eq":1}}]}');
    });

    it('rejects hostile or malformed keys and values with ERR_QUERY_INVALID', () => {
      const bad: unknown[] = [
        'lang', 42, ['a'], { $or: [{ a: 1 }, { b: 2 }] }, { $and: [] }, { '#document': 'x' }, { 'a b': 1 }, { '': 1 }, { ['k'.repeat(129)]: 1 },
        { 'a;drop': 1 }, { a: null }, { a: [1, 2] }, { a: { $ne: 1 } }, { a: { $gt: 1 } }, { a: { min: '1' } }, { a: { min: 5, max: 1 } },
        { a: { min: Number.NaN } }, { a: { max: Number.POSITIVE_INFINITY } }, { a: Number.NaN }, { a: {} }, { a: { in: [] } },
        { a: { in: 'x' } }, { a: { in: [1, 'x'] } }, { a: { in: [{ $gt: 1 }] } }, { a: { in: [1], min: 0 } }, { a: { nested: { deeper: 1 } } },
        { a: 'x'.repeat(4097) }, Object.fromEntries(Array.from({ length: 33 }, (_, i) => [`k${i}`, i])), new Date(), { a: new Date() },
      ];
      for (const where of bad) {
        assert.throws(() => translateWhere(where), invalid, JSON.stringify(where)?.slice(0, 80));
      }
    });

    it('lists every problem, not just the first', () => {
      assert.throws(() => translateWhere({ 'bad key': 1, good: { min: 'x' }, fine: 1 }), (e: unknown) => invalid(e) && (e as DocflowError).details instanceof Array && ((e as DocflowError).details as string[]).length === 2);
    });
  });
});
