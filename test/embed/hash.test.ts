import assert from 'node:assert/strict';
import fc from 'fast-check';
import { hashEmbedder, hashEmbedPacked, HASH_MODEL } from '../../src/embed/index.js';
import { cosine, norm, pythonDocParagraphs, rejectsWith } from './helpers.js';

const near = (a: number, b: number, eps = 1e-5): boolean => Math.abs(a - b) <= eps;

function isE0(v: Float32Array): boolean {
  return v[0] === 1 && v.every((x, i) => i === 0 || x === 0);
}

describe('hash embedder', () => {
  it('is model hash-v1 at dimension 384 by default, and takes another dimension', async () => {
    const e = hashEmbedder();
    assert.equal(e.model, HASH_MODEL);
    assert.equal(e.model, 'hash-v1');
    assert.equal(e.dimension, 384);
    const [v] = await e.embed(['some text']);
    assert.equal(v?.length, 384);
    const small = hashEmbedder({ dimension: 7 });
    const [w] = await small.embed(['some text']);
    assert.equal(small.dimension, 7);
    assert.equal(w?.length, 7);
  });

  it('refuses a dimension that is not a positive integer, naming the field', () => {
    assert.throws(() => hashEmbedder({ dimension: 0 }), /options\.dimension must be a positive integer/);
    assert.throws(() => hashEmbedder({ dimension: 3.5 }), /options\.dimension must be a positive integer/);
    assert.throws(() => hashEmbedPacked(['x'], -1), /dimension must be a positive integer/);
  });

  it('gives the same vector for the same text, from any instance, and packed equals one by one', async () => {
    const texts = ['The quick brown fox', 'jumps over the lazy dog', 'Ünïcödé wörds 123', ''];
    const a = await hashEmbedder().embed(texts);
    const b = await hashEmbedder().embed(texts);
    const packed = hashEmbedPacked(texts, 384);
    assert.equal(packed.length, texts.length * 384);
    for (let i = 0; i < texts.length; i++) {
      assert.deepEqual(a[i], b[i]);
      assert.deepEqual(a[i], packed.subarray(i * 384, (i + 1) * 384));
    }
  });

  it('returns one separate buffer per vector', async () => {
    const [a, b] = await hashEmbedder().embed(['one', 'two']);
    assert.notEqual(a?.buffer, b?.buffer);
  });

  it('L2-normalises real text', async () => {
    const paras = pythonDocParagraphs('json.html', 20);
    assert.ok(paras.length >= 10, 'the corpus has paragraphs');
    for (const v of await hashEmbedder().embed(paras)) assert.ok(near(norm(v), 1), `norm ${norm(v)}`);
  });

  it('ignores case and Unicode normalisation form', async () => {
    const [a, b, c] = await hashEmbedder().embed(['Café au lait', 'CAFE\u0301 AU LAIT', 'cafe au lait']);
    assert.deepEqual(a, b);
    assert.ok(cosine(a!, c!) < 0.99, 'an accent still makes another word');
  });

  it('tells word order apart through bigrams, but keeps the shared words', async () => {
    const [a, b] = await hashEmbedder().embed(['new york city', 'city york new']);
    const c = cosine(a!, b!);
    assert.ok(c > 0.3 && c < 0.9, `cosine ${c}`);
  });

  it('scores texts sharing words higher than unrelated ones (lexical, not semantic)', async () => {
    const [q, related, unrelated] = await hashEmbedder().embed([
      'how to parse a JSON document into a Python dictionary',
      'json.loads parses a JSON document and returns a Python dictionary',
      'the garbage collector frees cyclic references in memory',
    ]);
    assert.ok(cosine(q!, related!) > cosine(q!, unrelated!) + 0.2, `${cosine(q!, related!)} vs ${cosine(q!, unrelated!)}`);
  });

  it('on real documentation, paragraphs of one page are closer to each other than to another page', async () => {
    const e = hashEmbedder();
    const json = await e.embed(pythonDocParagraphs('json.html', 15));
    const sqlite = await e.embed(pythonDocParagraphs('sqlite3.html', 15));
    const mean = (xs: Float32Array[], ys: Float32Array[]): number => {
      let s = 0;
      let n = 0;
      for (const x of xs) for (const y of ys) if (x !== y) { s += cosine(x, y); n++; }
      return s / n;
    };
    const within = (mean(json, json) + mean(sqlite, sqlite)) / 2;
    const across = mean(json, sqlite);
    assert.ok(within > across * 1.2, `within ${within.toFixed(3)}, across ${across.toFixed(3)}`);
  });

  it('gives blank text the unit vector e0, and token-less text one signed unit feature', async () => {
    const [empty, blank, bangs, emoji] = await hashEmbedder({ dimension: 32 }).embed(['', ' \n\t ', '!!!', '😀']);
    assert.ok(isE0(empty!));
    assert.ok(isE0(blank!));
    for (const v of [bangs!, emoji!]) {
      assert.equal(v.filter((x) => x !== 0).length, 1);
      assert.ok(near(norm(v), 1));
    }
    assert.notDeepEqual(bangs, emoji);
  });

  it('splits CJK ideographs into characters, so texts without spaces still share features', async () => {
    const [a, b, c] = await hashEmbedder().embed(['東京は日本の首都です', '日本の首都は東京', 'PostgreSQL のインデックス']);
    assert.ok(cosine(a!, b!) > 0.5, `${cosine(a!, b!)}`);
    assert.ok(cosine(a!, b!) > cosine(a!, c!) + 0.3);
  });

  it('rejects with ERR_ABORTED when the signal has fired', async () => {
    await rejectsWith(hashEmbedder().embed(['x'], AbortSignal.abort()), 'ERR_ABORTED', true);
  });

  describe('properties', () => {
    // Any UTF-16, lone surrogates included.
    const anyUnits = fc.string({ unit: fc.integer({ min: 0, max: 0xffff }).map((c) => String.fromCharCode(c)), maxLength: 200 });
    const anyText = fc.oneof(fc.string({ unit: 'binary', maxLength: 300 }), anyUnits, fc.string({ unit: 'grapheme', maxLength: 100 }));

    it('any string gives a finite unit vector of the right dimension (e0 when nothing is visible)', () => {
      fc.assert(fc.property(anyText, fc.integer({ min: 1, max: 700 }), (text, dim) => {
        const v = hashEmbedPacked([text], dim);
        assert.equal(v.length, dim);
        assert.ok(v.every(Number.isFinite));
        assert.ok(near(norm(v), 1, 1e-4), `norm ${norm(v)}`);
        if (text.trim() === '') assert.ok(isE0(v));
      }), { numRuns: 300 });
    });

    it('is deterministic and independent of the other texts in the call', () => {
      fc.assert(fc.property(fc.array(anyText, { minLength: 1, maxLength: 6 }), (texts) => {
        const together = hashEmbedPacked(texts, 64);
        texts.forEach((t, i) => assert.deepEqual(hashEmbedPacked([t], 64), together.subarray(i * 64, (i + 1) * 64)));
      }), { numRuns: 100 });
    });
  });
});
