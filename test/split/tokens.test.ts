/**
 * Token counting: the splitter's counter, its region measure and its hard cuts agree with js-tiktoken's
 * own encode (cl100k_base, special tokens as plain text) on random and real text.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import fc from 'fast-check';
import { Tiktoken } from 'js-tiktoken/lite';
import cl100k from 'js-tiktoken/ranks/cl100k_base';
import { cl100kCounter } from '../../src/split/tokens/cl100k.js';
import { TokenCounter } from '../../src/split/tokens/counter.js';
import { TokenRegionMeasure } from '../../src/split/tokens/region-measure.js';
import { isWs, skipWs, trimEndAt } from '../../src/split/text.js';
import { cutsPair, PY_DOC_SOURCES, referenceTokens, textArb } from './helpers.js';

describe('split: token counting (cl100k_base)', function () {
  this.timeout(120_000);
  const counter = cl100kCounter();

  it('counts like Tiktoken.encode on random text, long words and special-token text', () => {
    fc.assert(
      fc.property(textArb(), (text) => {
        assert.equal(counter.count(text), referenceTokens(text));
      }),
      { numRuns: 150 },
    );
    for (const t of ['a'.repeat(700), '中文字符'.repeat(60), '<|endoftext|> hi <|fim_prefix|>', '😀'.repeat(90), '\ud800x\udc00', ' \n\n  \t']) {
      assert.equal(counter.count(t), referenceTokens(t), JSON.stringify(t.slice(0, 20)));
    }
  });

  it('counts like Tiktoken.encode on a real document', () => {
    const text = readFileSync(`${PY_DOC_SOURCES}/library/functions.rst.txt`, 'utf8');
    assert.equal(counter.count(text), referenceTokens(text));
  });

  it('counts the same through encode() alone (the fallback when the rank table is not reachable)', () => {
    const viaEncode = new TokenCounter(new Tiktoken(cl100k), cl100k.pat_str, { viaEncode: true });
    fc.assert(fc.property(textArb(), (text) => viaEncode.count(text) === counter.count(text)), { numRuns: 40 });
    assert.equal(viaEncode.tokenEnds('hello'), undefined);
  });

  it('reports token ends inside a pretoken at character boundaries, summing to its count', () => {
    for (const piece of ['a'.repeat(300), ' international', '中文字符中文字符', '😀😀😀', 'é'.repeat(40), 'x']) {
      const ends = counter.tokenEnds(piece)!;
      assert.equal(ends[ends.length - 2], piece.length);
      assert.equal(ends[ends.length - 1], counter.pieceTokens(piece));
      for (let i = 0; i < ends.length; i += 2) {
        assert.ok(!cutsPair(piece, ends[i]!));
        if (i > 0) assert.ok(ends[i]! > ends[i - 2]! && ends[i + 1]! > ends[i - 1]!);
        // A prefix that ends at a token end has at most that many tokens on its own.
        assert.ok(referenceTokens(piece.slice(0, ends[i])) <= ends[i + 1]!, `${piece.slice(0, 8)} @${ends[i]}`);
      }
    }
  });

  it('region measure: exact(s, e) is the count of text.slice(s, e) for any span', () => {
    fc.assert(
      fc.property(textArb(), fc.array(fc.tuple(fc.nat(), fc.nat()), { minLength: 1, maxLength: 12 }), (text, pairs) => {
        const a = skipWs(text, 0, text.length);
        const b = trimEndAt(text, a, text.length);
        if (a >= b) return;
        const m = new TokenRegionMeasure(text, counter, a, b);
        assert.equal(m.total, referenceTokens(text.slice(a, b)));
        for (const [x, y] of pairs) {
          const s = a + (x % (b - a));
          const e = s + 1 + (y % (b - s));
          assert.equal(m.exact(s, e), referenceTokens(text.slice(s, e)), `[${s}, ${e}) of ${JSON.stringify(text.slice(s, e).slice(0, 40))}`);
          assert.ok(m.approx(a, e) >= m.approx(a, s), 'approx grows with the end');
        }
      }),
      { numRuns: 100 },
    );
  });

  it('region measure: hard cuts fit, move forward and never leave whitespace at the end', () => {
    fc.assert(
      fc.property(textArb(), fc.integer({ min: 4, max: 40 }), fc.nat(), (text, limit, x) => {
        const a = skipWs(text, 0, text.length);
        const b = trimEndAt(text, a, text.length);
        if (a >= b) return;
        const m = new TokenRegionMeasure(text, counter, a, b);
        const s = skipWs(text, a + (x % (b - a)), b);
        const c = m.cutFit(s, b, limit);
        assert.ok(c > s && c <= b, `cut ${c} outside (${s}, ${b}]`);
        assert.ok(!cutsPair(text, c));
        assert.ok(!isWs(text.charCodeAt(c - 1)));
        assert.ok(referenceTokens(text.slice(s, c)) <= limit);
      }),
      { numRuns: 200 },
    );
  });

  it('knows JavaScript whitespace exactly (every BMP code unit against /\\s/)', () => {
    for (let c = 0; c <= 0xffff; c++) assert.equal(isWs(c), /\s/.test(String.fromCharCode(c)), `U+${c.toString(16)}`);
  });
});
