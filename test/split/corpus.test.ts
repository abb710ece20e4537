/**
 * The guarantees on real documents: reST sources and stripped HTML pages of the Python 3.11 docs
 * (python3.11-doc), in both units, with the sizes a deployment would use and small ones.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { split, type SplitOptions, type SplitSection } from '../../src/split/index.js';
import { assertGuarantees, filesUnder, htmlText, PY_DOC_HTML, PY_DOC_SOURCES } from './helpers.js';

/** Every `step`-th file, so the sample is spread over the corpus but the test stays quick. */
function sample(files: string[], count: number): string[] {
  const step = Math.max(1, Math.floor(files.length / count));
  return files.filter((_, i) => i % step === 0).slice(0, count);
}

/** Sections at reST headings (a line underlined with = - ~ ^), as an extractor would give them. */
function headingSections(text: string): SplitSection[] {
  const sections: SplitSection[] = [];
  const re = /^([^\n]+)\n([=\-~^])\2{2,}[ \t]*$/gm;
  let prev: { start: number; title: string } | undefined;
  for (let m = re.exec(text); m !== null; m = re.exec(text)) {
    if (prev) sections.push({ start: prev.start, end: m.index, headingPath: ['doc', prev.title], page: sections.length + 1 });
    prev = { start: m.index, title: m[1]!.trim() };
  }
  if (prev) sections.push({ start: prev.start, end: text.length, headingPath: ['doc', prev.title] });
  return sections;
}

const OPTIONS: SplitOptions[] = [
  { unit: 'chars', chunkSize: 1000, chunkOverlap: 200 },
  { unit: 'chars', chunkSize: 500, chunkOverlap: 50 },
  { unit: 'chars', chunkSize: 80, chunkOverlap: 0 },
  { unit: 'tokens', chunkSize: 512, chunkOverlap: 64 },
  { unit: 'tokens', chunkSize: 128, chunkOverlap: 32 },
  { unit: 'tokens', chunkSize: 16, chunkOverlap: 4 },
];

describe('split: real documents (python3.11-doc)', function () {
  this.timeout(120_000);
  const docs = [
    ...sample(filesUnder(PY_DOC_SOURCES, '.rst.txt'), 8).map((f) => ({ name: f, text: readFileSync(f, 'utf8') })),
    ...sample(filesUnder(PY_DOC_HTML, '.html'), 4).map((f) => ({ name: f, text: htmlText(f) })),
  ];

  for (const o of OPTIONS) {
    it(`${o.unit} ${o.chunkSize}/${o.chunkOverlap}: every guarantee, with and without heading sections`, () => {
      let chunks = 0;
      for (const doc of docs) {
        for (const sections of [[], headingSections(doc.text)]) {
          const out = split(doc.text, sections, o);
          assertGuarantees(doc.text, sections, o, out);
          chunks += out.length;
        }
      }
      assert.ok(chunks > docs.length * 2, `only ${chunks} chunks from ${docs.length} documents`);
    });
  }

  it('uses its room: on prose, chunks average over half the chunk size', () => {
    const text = readFileSync(`${PY_DOC_SOURCES}/tutorial/controlflow.rst.txt`, 'utf8');
    for (const o of [OPTIONS[0]!, OPTIONS[3]!]) {
      const out = split(text, [], o);
      const mean = out.reduce((a, c) => a + c.size, 0) / out.length;
      assert.ok(mean > o.chunkSize / 2, `${o.unit}: mean chunk ${mean.toFixed(0)} of ${o.chunkSize}`);
      const overlapping = out.filter((c, i) => i > 0 && c.start < out[i - 1]!.end).length;
      assert.ok(overlapping > out.length / 2, `${o.unit}: only ${overlapping} of ${out.length} chunks overlap`);
    }
  });
});
