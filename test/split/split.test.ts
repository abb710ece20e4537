/** Examples of how `split` cuts: structure first, then sentences, words and hard cuts; sections; errors. */
import assert from 'node:assert/strict';
import { DocflowError } from '../../src/errors/index.js';
import { DEFAULT_SPLIT_OPTIONS, split, type Chunk, type SplitOptions } from '../../src/split/index.js';
import { assertGuarantees } from './helpers.js';

const chars = (chunkSize: number, chunkOverlap = 0): SplitOptions => ({ unit: 'chars', chunkSize, chunkOverlap });
const spans = (chunks: Chunk[]) => chunks.map((c) => [c.start, c.end]);
const texts = (chunks: Chunk[]) => chunks.map((c) => c.text);

function throwsInvalid(fn: () => unknown, message: RegExp): DocflowError {
  let caught: unknown;
  try {
    fn();
  } catch (err) {
    caught = err;
  }
  assert.ok(caught instanceof DocflowError, `expected a DocflowError, got ${String(caught)}`);
  assert.equal(caught.code, 'ERR_SPLIT_INVALID');
  assert.equal(caught.retryable, false);
  assert.match(caught.message, message);
  return caught;
}

describe('split', () => {
  it('gives [] for empty and whitespace-only text', () => {
    assert.deepEqual(split('', [], chars(10)), []);
    assert.deepEqual(split(' \n\n\t \u00a0\u3000\n', [], chars(10)), []);
    assert.deepEqual(split(' \n \n', [{ start: 0, end: 2, headingPath: ['a'] }], { unit: 'tokens', chunkSize: 8, chunkOverlap: 0 }), []);
  });

  it('keeps text that fits as one chunk, trimmed, with offsets into the original', () => {
    const text = '  Hello world.  \n';
    const [c, ...rest] = split(text, [], chars(100, 10));
    assert.equal(rest.length, 0);
    assert.deepEqual(c, { index: 0, text: 'Hello world.', start: 2, end: 14, headingPath: [], size: 12 });
  });

  it('uses the default options (512 tokens, 64 overlap) when none are given', () => {
    assert.deepEqual({ ...DEFAULT_SPLIT_OPTIONS }, { unit: 'tokens', chunkSize: 512, chunkOverlap: 64 });
    assert.ok(Object.isFrozen(DEFAULT_SPLIT_OPTIONS));
    const text = 'word '.repeat(2000);
    const chunks = split(text, []);
    assertGuarantees(text, [], DEFAULT_SPLIT_OPTIONS, chunks);
    assert.ok(chunks.every((c) => c.size <= 512) && chunks.length >= 4);
  });

  it('cuts at paragraphs first: whole paragraphs, merged while they fit', () => {
    const p = (ch: string) => `${ch.repeat(9)} `.repeat(4).trim(); // 39 chars
    const text = [p('a'), p('b'), p('c'), p('d')].join('\n\n');
    const chunks = split(text, [], chars(100));
    assert.deepEqual(texts(chunks), [`${p('a')}\n\n${p('b')}`, `${p('c')}\n\n${p('d')}`]);
  });

  it('splits a paragraph over the limit by lines, then sentences, then words', () => {
    const line1 = 'First sentence here. Second one is here. Third one ends it.';
    const text = `${line1}\nshort line`;
    assert.deepEqual(texts(split(text, [], chars(62))), [line1, 'short line']);
    assert.deepEqual(texts(split(line1, [], chars(45))), ['First sentence here. Second one is here.', 'Third one ends it.']);
    assert.deepEqual(texts(split('alpha beta gamma delta', [], chars(11))), ['alpha beta', 'gamma delta']);
  });

  it('ends sentences at 。！？ without whitespace', () => {
    const text = '这是第一句。这是第二句！这是第三句？';
    assert.deepEqual(texts(split(text, [], chars(12))), ['这是第一句。这是第二句！', '这是第三句？']);
  });

  it('cuts a run without whitespace by characters, overlapping by characters', () => {
    const text = 'x'.repeat(250);
    assert.deepEqual(spans(split(text, [], chars(100))), [[0, 100], [100, 200], [200, 250]]);
    assert.deepEqual(spans(split(text, [], chars(100, 20))), [[0, 100], [80, 180], [160, 250]]);
  });

  it('never cuts a surrogate pair', () => {
    const text = '😀'.repeat(50);
    const chunks = split(text, [], chars(5, 2));
    assertGuarantees(text, [], chars(5, 2), chunks);
    assert.ok(chunks.every((c) => c.size === 4 && c.start % 2 === 0), JSON.stringify(spans(chunks)));
  });

  it('starts the overlap at a piece start when one is in reach', () => {
    const lines = Array.from({ length: 12 }, (_, i) => `line ${String(i).padStart(2, '0')} ${'z'.repeat(20)}`); // 28 chars each
    const text = lines.join('\n');
    const chunks = split(text, [], chars(100, 40));
    assertGuarantees(text, [], chars(100, 40), chunks);
    for (const c of chunks) assert.match(c.text, /^line \d\d /, 'every chunk starts at a line');
    assert.ok(chunks.slice(1).every((c, i) => c.start < chunks[i]!.end), 'every chunk after the first overlaps');
  });

  it('falls back to a sentence start for the overlap when no piece starts in reach', () => {
    // Lines of five sentences (134 chars): each line is a piece, one per chunk; the overlap window
    // (60 chars) holds no line start, so the next chunk starts at a sentence of the previous line.
    const line = (n: number) => Array.from({ length: 5 }, (_, i) => `Sentence number ${n}${i} is here.`).join(' ');
    const text = Array.from({ length: 10 }, (_, n) => line(n)).join('\n');
    const o = chars(200, 60);
    const chunks = split(text, [], o);
    assertGuarantees(text, [], o, chunks);
    for (const c of chunks.slice(1)) assert.match(c.text, /^Sentence number \d3 is here\. /);
    assert.ok(chunks.slice(1).every((c, i) => c.start < chunks[i]!.end));
  });

  it('never crosses a section; text outside sections is a region of its own', () => {
    const text = 'Intro words here. Alpha one. Alpha two. Beta one. Beta two. Outro.';
    const sections = [
      { start: 18, end: 40, headingPath: ['Doc', 'Alpha'], page: 1 },
      { start: 40, end: 59, headingPath: ['Doc', 'Beta'] },
    ];
    const chunks = split(text, sections, chars(1000));
    assert.deepEqual(chunks.map((c) => [c.text, c.headingPath, c.page]), [
      ['Intro words here.', [], undefined],
      ['Alpha one. Alpha two.', ['Doc', 'Alpha'], 1],
      ['Beta one. Beta two.', ['Doc', 'Beta'], undefined],
      ['Outro.', [], undefined],
    ]);
    assert.ok(!('page' in chunks[2]!), 'no page key without a page');
    assert.notEqual(chunks[1]!.headingPath, sections[0]!.headingPath, 'each chunk has its own headingPath array');
  });

  it('measures tokens on the chunk text', () => {
    const text = 'The quick brown fox jumps over the lazy dog. '.repeat(40);
    const o: SplitOptions = { unit: 'tokens', chunkSize: 50, chunkOverlap: 10 };
    const chunks = split(text, [], o);
    assertGuarantees(text, [], o, chunks);
    assert.ok(chunks.length >= 8 && chunks.every((c) => c.size > 25), JSON.stringify(chunks.map((c) => c.size)));
  });

  it('cuts a long run without whitespace at token boundaries', () => {
    for (const text of ['a'.repeat(3000), 'ab1+/'.repeat(500), '中文字符'.repeat(300), '😀'.repeat(400)]) {
      const o: SplitOptions = { unit: 'tokens', chunkSize: 64, chunkOverlap: 16 };
      const chunks = split(text, [], o);
      assertGuarantees(text, [], o, chunks);
      assert.ok(chunks.slice(0, -1).every((c) => c.size >= 48), `${text.slice(0, 8)}: ${JSON.stringify(chunks.map((c) => c.size))}`);
    }
  });

  it('rejects inconsistent options with ERR_SPLIT_INVALID, naming each problem', () => {
    throwsInvalid(() => split('x', [], chars(10, 10)), /chunkOverlap \(10\) must be below chunkSize \(10\)/);
    throwsInvalid(() => split('x', [], { unit: 'tokens', chunkSize: 50 }), /chunkOverlap \(64\) must be below chunkSize \(50\)/);
    throwsInvalid(() => split('x', [], chars(1)), /chunkSize must be an integer of at least 2 chars/);
    throwsInvalid(() => split('x', [], { unit: 'tokens', chunkSize: 3, chunkOverlap: 0 }), /at least 4 tokens/);
    throwsInvalid(() => split('x', [], chars(10.5)), /chunkSize must be an integer/);
    throwsInvalid(() => split('x', [], chars(10, -1)), /chunkOverlap must be a non-negative integer/);
    const err = throwsInvalid(() => split('x', [], { unit: 'words' as 'chars', chunkSize: 0, chunkOverlap: Number.NaN }), /unit must be/);
    assert.equal((err.details as { problems: string[] }).problems.length, 3);
  });

  it('rejects sections out of the text, out of order or overlapping', () => {
    const h = { headingPath: [] };
    throwsInvalid(() => split('abc', [{ start: 0, end: 4, ...h }], chars(10)), /section 0 \[0, 4\) is outside the text/);
    throwsInvalid(() => split('abcdef', [{ start: 0, end: 4, ...h }, { start: 3, end: 5, ...h }], chars(10)), /section 1 .* starts before/);
    throwsInvalid(() => split('abcdef', [{ start: 3, end: 2, ...h }], chars(10)), /starts after it ends/);
    throwsInvalid(() => split('abcdef', [{ start: 0.5, end: 2, ...h }], chars(10)), /non-integer/);
  });

  it('accepts empty sections and sections that touch', () => {
    const text = 'one two three';
    const chunks = split(text, [{ start: 0, end: 0, headingPath: ['e'] }, { start: 0, end: 3, headingPath: ['a'] }, { start: 3, end: 13, headingPath: ['b'] }], chars(50));
    assert.deepEqual(chunks.map((c) => [c.text, c.headingPath]), [['one', ['a']], ['two three', ['b']]]);
  });
});
