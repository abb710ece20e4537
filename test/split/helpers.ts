import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { Tiktoken } from 'js-tiktoken/lite';
import cl100k from 'js-tiktoken/ranks/cl100k_base';
import type { Chunk, SplitOptions, SplitSection } from '../../src/split/index.js';

/** The reference: js-tiktoken's own encode, special tokens as plain text. Made once for the test run. */
let reference: Tiktoken | undefined;
export function referenceTokens(text: string): number {
  reference ??= new Tiktoken(cl100k);
  return reference.encode(text, [], []).length;
}

/** Size of `text` in `unit`, measured independently of the splitter. */
export function sizeIn(unit: SplitOptions['unit'], text: string): number {
  return unit === 'chars' ? text.length : referenceTokens(text);
}

const isHigh = (c: number) => (c & 0xfc00) === 0xd800;
const isLow = (c: number) => (c & 0xfc00) === 0xdc00;
/** True when offset i falls between the halves of a surrogate pair. */
export const cutsPair = (text: string, i: number) => i > 0 && i < text.length && isHigh(text.charCodeAt(i - 1)) && isLow(text.charCodeAt(i));

/** The section containing offset i, if any. */
function sectionAt(sections: readonly SplitSection[], i: number): SplitSection | undefined {
  return sections.find((s) => s.start <= i && i < s.end);
}

/** Region id of offset i: the section index, or -(index of the next section) - 1 for text outside. */
function regionAt(sections: readonly SplitSection[], i: number): number {
  for (let k = 0; k < sections.length; k++) {
    const s = sections[k]!;
    if (i < s.start) return -k - 1;
    if (i < s.end) return k;
  }
  return -sections.length - 1;
}

/**
 * Assert every guarantee of `split` on its output: size limit, no blank chunk, overlap bound and progress,
 * coverage of every non-whitespace character, exact offsets, index and section data, no chunk across a
 * region, no surrogate pair cut (unless a section boundary itself cuts it).
 */
export function assertGuarantees(text: string, sections: readonly SplitSection[], o: SplitOptions, chunks: readonly Chunk[]): void {
  let covered = 0;
  for (let i = 0; i < chunks.length; i++) {
    const c = chunks[i]!;
    const where = `chunk ${i} [${c.start}, ${c.end})`;
    assert.equal(c.index, i, `${where}: index`);
    assert.equal(c.text, text.slice(c.start, c.end), `${where}: text is the slice`);
    assert.ok(c.text.trim().length > 0, `${where}: blank`);
    assert.equal(c.text.trim(), c.text, `${where}: whitespace at an edge`);
    const size = sizeIn(o.unit, c.text);
    assert.ok(size <= o.chunkSize, `${where}: ${size} ${o.unit} > ${o.chunkSize}`);
    assert.equal(c.size, size, `${where}: reported size`);
    const sec = sectionAt(sections, c.start);
    assert.deepEqual(c.headingPath, sec ? sec.headingPath : [], `${where}: headingPath`);
    assert.equal(c.page, sec?.page, `${where}: page`);
    assert.equal(regionAt(sections, c.end - 1), regionAt(sections, c.start), `${where}: crosses a section boundary`);
    const edgeIsSection = (x: number) => sections.some((s) => s.start === x || s.end === x);
    if (!edgeIsSection(c.start)) assert.ok(!cutsPair(text, c.start), `${where}: starts inside a surrogate pair`);
    if (!edgeIsSection(c.end)) assert.ok(!cutsPair(text, c.end), `${where}: ends inside a surrogate pair`);
    if (c.start > covered) {
      const gap = text.slice(covered, c.start);
      assert.equal(gap.trim(), '', `non-whitespace before ${where} is in no chunk: ${JSON.stringify(gap.slice(0, 80))}`);
    }
    covered = Math.max(covered, c.end);
    const prev = chunks[i - 1];
    if (!prev) continue;
    assert.ok(c.start >= prev.start, `${where}: starts before chunk ${i - 1}`);
    if (regionAt(sections, prev.start) !== regionAt(sections, c.start)) continue;
    assert.ok(c.start > prev.start, `${where}: no progress over chunk ${i - 1}`);
    assert.ok(c.end > prev.end, `${where}: ends within chunk ${i - 1}`);
    if (prev.end > c.start) {
      const overlap = sizeIn(o.unit, text.slice(c.start, prev.end));
      assert.ok(overlap <= o.chunkOverlap, `${where}: overlap ${overlap} ${o.unit} > ${o.chunkOverlap}`);
    }
  }
  assert.equal(text.slice(covered).trim(), '', 'non-whitespace after the last chunk is in no chunk');
}

/** Random text with the awkward parts: unicode, emoji, CJK, long words, blank lines, only whitespace. */
export function textArb(): fc.Arbitrary<string> {
  const word = fc.string({ unit: fc.constantFrom(...'abcdefghijklmnopqrstuvwxyzABC0123456789-_/\''), minLength: 1, maxLength: 12 });
  const ws = fc.constantFrom(' ', ' ', ' ', '  ', '\t', '\n', '\n\n', '\n \n\n', '\r\n', '\n\n\n\n\n', '\u00a0', '\u3000', '\u2028');
  const punct = fc.constantFrom('. ', '! ', '? ', '.', ',', '...', '。', '！', '?\n', ':');
  const emoji = fc.constantFrom('😀', '👍🏽', '🇫🇷', '𝒳', '👨‍👩‍👧');
  const cjk = fc.constantFrom('中文', '日本語のテキスト', 'これは文です', '한국어', '漢字漢字漢字漢字漢字漢字漢字漢字');
  const longWord = fc.oneof(
    fc.integer({ min: 40, max: 400 }).map((n) => 'x'.repeat(n)),
    fc.string({ unit: fc.constantFrom(...'abcdefAB01+/=%é中😀'), minLength: 40, maxLength: 300 }),
  );
  const anyUnicode = fc.string({ unit: 'binary', maxLength: 12 });
  const special = fc.constantFrom('<|endoftext|>', '  \n  ', '\u200b', '\ufeff');
  const part = fc.oneof(
    { weight: 10, arbitrary: word },
    { weight: 8, arbitrary: ws },
    { weight: 3, arbitrary: punct },
    { weight: 1, arbitrary: emoji },
    { weight: 1, arbitrary: cjk },
    { weight: 1, arbitrary: longWord },
    { weight: 1, arbitrary: anyUnicode },
    { weight: 1, arbitrary: special },
  );
  return fc.oneof(
    { weight: 8, arbitrary: fc.array(part, { maxLength: 400, size: 'large' }).map((a) => a.join('')) },
    { weight: 1, arbitrary: fc.string({ unit: fc.constantFrom(...'abc中😀é-.'), maxLength: 800, size: 'large' }) }, // no whitespace at all
    { weight: 1, arbitrary: fc.array(ws, { maxLength: 40, size: 'medium' }).map((a) => a.join('')) }, // only whitespace
    { weight: 1, arbitrary: fc.array(fc.oneof(word, fc.constant('\n\n\n')), { maxLength: 300, size: 'large' }).map((a) => a.join('')) }, // many blank lines
  );
}

/** Sections over `text`: sorted, non-overlapping, with gaps, at character boundaries. */
export function sectionsArb(text: string): fc.Arbitrary<SplitSection[]> {
  return fc
    .tuple(
      fc.uniqueArray(fc.integer({ min: 0, max: text.length }), { maxLength: 8, size: 'max' }),
      fc.array(fc.boolean(), { minLength: 8, maxLength: 8 }),
      fc.array(fc.option(fc.integer({ min: 1, max: 9 }), { nil: undefined }), { minLength: 8, maxLength: 8 }),
    )
    .map(([cuts, keep, pages]) => {
      const points = cuts.map((c) => (cutsPair(text, c) ? c - 1 : c)).sort((a, b) => a - b);
      const out: SplitSection[] = [];
      for (let i = 0; i + 1 < points.length; i++) {
        if (!keep[i]) continue;
        const s: SplitSection = { start: points[i]!, end: points[i + 1]!, headingPath: ['Doc', `Part ${i}`] };
        const page = pages[i];
        if (page !== undefined) s.page = page;
        out.push(s);
      }
      return out;
    });
}

/** Options for `unit` with sizes small enough that random text needs many chunks. */
export function optionsArb(unit: SplitOptions['unit']): fc.Arbitrary<SplitOptions> {
  const min = unit === 'chars' ? 2 : 4;
  const max = unit === 'chars' ? 300 : 60;
  return fc
    .integer({ min, max })
    .chain((chunkSize) => fc.integer({ min: 0, max: chunkSize - 1 }).map((chunkOverlap) => ({ unit, chunkSize, chunkOverlap })));
}

export const PY_DOC_SOURCES = '/usr/share/doc/python3.11/html/_sources';
export const PY_DOC_HTML = '/usr/share/doc/python3.11/html';

/** Every file under `root` ending in `ext`, sorted (fails loudly without python3.11-doc). */
export function filesUnder(root: string, ext: string): string[] {
  const out: string[] = [];
  const walk = (dir: string) => {
    for (const e of readdirSync(dir, { withFileTypes: true })) {
      const p = join(dir, e.name);
      if (e.isDirectory()) walk(p);
      else if (e.name.endsWith(ext)) out.push(p);
    }
  };
  walk(root);
  if (out.length === 0) throw new Error(`no ${ext} files under ${root}: install python3.11-doc (apt-get install -y python3.11-doc)`);
  return out.sort();
}

/** Text of an HTML page, tags stripped by a simple regex (good enough for test input). */
export function htmlText(path: string): string {
  return readFileSync(path, 'utf8')
    .replace(/<(script|style)[^>]*>[^]*?<\/\1>/gi, ' ')
    .replace(/<[^>]+>/g, ' ')
    .replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&quot;/g, '"').replace(/&#39;/g, "'").replace(/&amp;/g, '&');
}
