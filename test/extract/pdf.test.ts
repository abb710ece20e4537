import assert from 'node:assert/strict';
import { extract } from '../../src/extract/index.js';
import { makePdf } from '../fixtures/documents/make-pdf.js';
import { assertValid, corpus, R_MANUALS, rejectsCode, sectionTexts } from './helpers.js';

/** Run `fn` with stdout and stderr captured; returns what was written. */
async function silenced(fn: () => Promise<unknown>): Promise<string> {
  const out = process.stdout.write.bind(process.stdout);
  const err = process.stderr.write.bind(process.stderr);
  let written = '';
  const capture = (chunk: unknown): boolean => { written += String(chunk); return true; };
  process.stdout.write = capture as typeof process.stdout.write;
  process.stderr.write = capture as typeof process.stderr.write;
  try {
    await fn();
  } finally {
    process.stdout.write = out;
    process.stderr.write = err;
  }
  return written;
}

describe('extract: pdf', function () {
  this.timeout(20_000);

  it('a real R manual: every page a section with its 1-based page number, pages joined by blank lines', async () => {
    const r = await extract({ bytes: corpus(`${R_MANUALS}/R-FAQ.pdf`), name: 'R-FAQ.pdf' });
    assertValid(r);
    assert.equal(r.format, 'pdf');
    assert.equal(r.pages, 52);
    assert.deepEqual(r.sections.map((s) => s.page), Array.from({ length: 52 }, (_, i) => i + 1));
    const texts = sectionTexts(r);
    assert.match(texts[0]!.text, /^R FAQ\nFrequently Asked Questions on R/);
    assert.ok(texts[0]!.text.endsWith('\n\n'), 'a page section ends with the blank line before the next page');
    // Heading paths come from the PDF outline: none before chapter 1, chapter > section after it.
    assert.deepEqual(r.sections[0]!.headingPath, []);
    const whatIsR = r.sections.find((s) => /2\.1 What is R\?\n/.test(r.text.slice(s.start, s.end)) && s.page! > 3);
    assert.ok(whatIsR, 'the chapter text, past the table of contents');
    assert.equal(whatIsR.headingPath[0], '2 R Basics');
    const firstPaths = r.sections.map((s) => s.headingPath[0] ?? '');
    assert.ok(firstPaths.indexOf('2 R Basics') > firstPaths.indexOf('1 Introduction'), 'chapters in page order');
  });

  it('a hand-made PDF: title from /Info, paragraphs from line gaps, pages without text get no section', async () => {
    const bytes = makePdf({
      title: 'Small (test) PDF',
      compress: true,
      pages: [{ lines: ['First line', 'second line', '', 'New paragraph'] }, { image: true }, { lines: ['Third page'] }],
    });
    const r = await extract({ bytes, name: 'small.pdf' });
    assertValid(r);
    assert.equal(r.title, 'Small (test) PDF');
    assert.equal(r.pages, 3);
    assert.equal(r.text, 'First line\nsecond line\n\nNew paragraph\n\nThird page');
    assert.deepEqual(r.sections.map((s) => [s.page, r.text.slice(s.start, s.end)]), [
      [1, 'First line\nsecond line\n\nNew paragraph\n\n'],
      [3, 'Third page'],
    ]);
  });

  it('truncated real PDFs are ERR_EXTRACT_CORRUPT', async () => {
    const whole = corpus(`${R_MANUALS}/R-data.pdf`);
    for (const keep of [0.5, 0.99]) {
      await rejectsCode(extract({ bytes: whole.slice(0, Math.floor(whole.length * keep)), name: 'R-data.pdf' }), 'ERR_EXTRACT_CORRUPT', /truncated/);
    }
    // Cut short but with the last KiB kept (%%EOF present): pdfjs itself finds the damage.
    const spliced = new Uint8Array([...whole.subarray(0, whole.length / 3), ...whole.subarray(whole.length - 1024)]);
    await rejectsCode(extract({ bytes: spliced, name: 'R-data.pdf' }), 'ERR_EXTRACT_CORRUPT', /Invalid PDF|could not be read/);
  });

  it('a real PDF with flipped bytes is ERR_EXTRACT_CORRUPT', async () => {
    const bytes = corpus(`${R_MANUALS}/R-data.pdf`).slice();
    for (let i = 2000; i < bytes.length - 2048; i += 97) bytes[i]! ^= 0xff;
    await rejectsCode(extract({ bytes, name: 'R-data.pdf' }), 'ERR_EXTRACT_CORRUPT');
  });

  it('a PDF that is only a header is ERR_EXTRACT_CORRUPT; declared PDF that is text is ERR_EXTRACT_CORRUPT', async () => {
    await rejectsCode(extract({ bytes: new TextEncoder().encode('%PDF-1.4\n%%EOF\n') }), 'ERR_EXTRACT_CORRUPT');
    await rejectsCode(extract({ bytes: new TextEncoder().encode('just text'), mime: 'application/pdf' }), 'ERR_EXTRACT_CORRUPT', /no %PDF- header/);
  });

  it('an /Encrypt trailer makes pdfjs ask for a password: ERR_EXTRACT_ENCRYPTED', async () => {
    await rejectsCode(extract({ bytes: makePdf({ pages: [{ lines: ['secret'] }], encrypt: true }) }), 'ERR_EXTRACT_ENCRYPTED', /password/);
  });

  it('an image-only PDF is ERR_EXTRACT_NO_TEXT', async () => {
    await rejectsCode(extract({ bytes: makePdf({ pages: [{ image: true }, { image: true }] }) }), 'ERR_EXTRACT_NO_TEXT', /2 pages.*OCR/);
  });

  it('pdfjs prints no warnings, even on a file it must repair', async () => {
    const good = makePdf({ pages: [{ lines: ['repaired text'] }] }).toString('latin1');
    const broken = Buffer.from(good.replace(/startxref\n\d+/, 'startxref\n12'), 'latin1'); // a wrong xref offset
    let text = '';
    const written = await silenced(async () => { text = (await extract({ bytes: broken })).text; });
    assert.equal(text, 'repaired text');
    assert.equal(written, '');
  });

  it('text over maxChars is ERR_EXTRACT_TOO_LARGE', async () => {
    await rejectsCode(extract({ bytes: makePdf({ pages: [{ lines: ['x'.repeat(80)] }, { lines: ['y'.repeat(80)] }] }) }, { maxChars: 100 }), 'ERR_EXTRACT_TOO_LARGE');
  });

  /** A one-page PDF whose startxref is wrong, with `repeats` extra copies of an object header before its xref table. */
  const damagedWithRepeats = (repeats: number, body: string): Buffer => {
    const good = makePdf({ pages: [{ lines: ['repaired text'] }] }).toString('latin1');
    const at = good.lastIndexOf('\nxref');
    const copies = Array.from({ length: repeats }, () => `\n3 0 obj\n${body}\nendobj`).join('');
    return Buffer.from(`${good.slice(0, at)}${copies}${good.slice(at)}`.replace(/startxref\n\d+/, 'startxref\n12'), 'latin1');
  };

  it('a damaged PDF that repeats an object header thousands of times is refused before pdfjs rescans it once per repeat', async () => {
    // Found by the fuzzer: such a 185 KB file took pdfjs 76 s (an unclosed string is parsed to the end of the file each time).
    const bomb = damagedWithRepeats(3000, `(unclosed ${'x'.repeat(40)}`);
    await rejectsCode(extract({ bytes: bomb }), 'ERR_EXTRACT_CORRUPT', /repeats object headers \(\d+\+ times\).*qpdf/);
  });

  it('a damaged PDF with a few repeated objects (incremental updates) is still repaired', async () => {
    const updated = damagedWithRepeats(3, '<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>');
    const { text } = await extract({ bytes: updated });
    assert.equal(text, 'repaired text');
  });
});
