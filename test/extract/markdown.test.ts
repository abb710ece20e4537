import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { extract } from '../../src/extract/index.js';
import { assertValid, sectionTexts } from './helpers.js';

const utf8 = (s: string): Uint8Array => new TextEncoder().encode(s);

const DOC = [
  '---',
  'title: "Guide"',
  'tags: [a]',
  '---',
  'Intro text.',
  '',
  '# Install',
  '',
  'Run this:',
  '',
  '```sh',
  '# not a heading: a shell comment',
  'make install',
  '```',
  '',
  '## From source ##',
  '',
  '~~~~',
  '## also not a heading',
  '```',
  'still code',
  '~~~~',
  '',
  'Usage',
  '=====',
  '',
  'Some usage.',
  '',
  'Options',
  '-------',
  '',
  '    # indented code, not a heading',
  '',
  '### Deep',
  '#### Deeper',
  'text',
  '## Back up',
  'end',
].join('\n');

describe('extract: markdown', () => {
  it('keeps the text and builds sections from ATX and setext headings, not from fenced code', async () => {
    const r = await extract({ bytes: utf8(DOC), name: 'guide.md' });
    assertValid(r);
    assert.equal(r.format, 'markdown');
    assert.equal(r.text, DOC);
    assert.equal(r.title, 'Guide');
    assert.deepEqual(r.sections.map((s) => s.headingPath), [
      [],
      ['Install'],
      ['Install', 'From source'],
      ['Usage'],
      ['Usage', 'Options'],
      ['Usage', 'Options', 'Deep'],
      ['Usage', 'Options', 'Deep', 'Deeper'],
      ['Usage', 'Back up'],
    ]);
    const texts = sectionTexts(r);
    assert.ok(texts[1]!.text.startsWith('# Install\n'));
    assert.ok(texts[1]!.text.includes('# not a heading: a shell comment'));
    assert.ok(texts[2]!.text.includes('## also not a heading'), 'a ``` line inside a ~~~~ fence does not close it');
    assert.ok(texts[3]!.text.startsWith('Usage\n=====\n'));
    assert.ok(texts[4]!.text.includes('# indented code'));
  });

  it('title is the first level-1 heading without front matter; CRLF is normalised', async () => {
    const r = await extract({ bytes: utf8('Preface\r\n\r\n# Real Title\r\ntext\r\n'), name: 'a.markdown' });
    assert.equal(r.title, 'Real Title');
    assert.equal(r.text, 'Preface\n\n# Real Title\ntext\n');
    assert.deepEqual(r.sections.map((s) => [s.start, s.headingPath]), [[0, []], [9, ['Real Title']]]);
  });

  it('cuts very long headings in heading paths (the text keeps them whole)', async () => {
    const long = 'word '.repeat(200).trim();
    const r = await extract({ bytes: utf8(`# ${long}\n\nbody\n`), name: 'a.md' });
    assert.equal(r.sections[0]!.headingPath[0]!.length, 300);
    assert.ok(r.sections[0]!.headingPath[0]!.endsWith('…'));
    assert.ok(r.text.includes(long));
  });

  it("reads a real README (this project's): every section starts at a heading, none inside a code fence", async () => {
    const source = readFileSync(new URL('../../../README.md', import.meta.url), 'utf8');
    const r = await extract({ bytes: utf8(source), name: 'README.md' });
    assertValid(r);
    assert.ok(r.sections.length >= 3, 'the README has several headings');
    // Lines starting with '#' inside ``` fences, found independently.
    const inFence = new Set<number>();
    let fenced = false;
    let at = 0;
    for (const line of r.text.split('\n')) {
      if (/^ {0,3}```/.test(line)) fenced = !fenced;
      else if (fenced && line.startsWith('#')) inFence.add(at);
      at += line.length + 1;
    }
    for (const s of r.sections.slice(1)) {
      assert.ok(!inFence.has(s.start), `section at ${s.start} is a # line inside a code fence`);
      const head = r.text.slice(s.start, r.text.indexOf('\n', s.start));
      const next = r.text.slice(s.start + head.length + 1).split('\n', 1)[0] ?? '';
      assert.ok(head.startsWith('#') || /^(=+|-+)\s*$/.test(next), `section starts at a heading: ${JSON.stringify(head)}`);
    }
  });
});
