import assert from 'node:assert/strict';
import { gzipSync } from 'node:zlib';
import { detectFormat, extract } from '../../src/extract/index.js';
import { makeDocx } from '../fixtures/documents/make-docx.js';
import { makePdf } from '../fixtures/documents/make-pdf.js';
import { makeZip } from '../fixtures/documents/make-zip.js';
import { corpus, MAN1, rejectsCode, throwsCode } from './helpers.js';

const utf8 = (s: string): Uint8Array => new TextEncoder().encode(s);
const PNG = Uint8Array.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 13, 0x49, 0x48, 0x44, 0x52, 0, 0, 0, 1]);
const JPEG = Uint8Array.from([0xff, 0xd8, 0xff, 0xe0, 0, 16, 0x4a, 0x46, 0x49, 0x46, 0, 1]);
const GIF = utf8('GIF89a\x01\x00\x01\x00\x00\x00\x00;');

describe('extract: detectFormat', () => {
  it('reads magic bytes: %PDF-, a ZIP holding word/document.xml', () => {
    assert.equal(detectFormat({ bytes: makePdf({ pages: [{ lines: ['x'] }] }) }), 'pdf');
    assert.equal(detectFormat({ bytes: makeDocx([{ text: 'x' }]) }), 'docx');
  });

  it('sniffs text: <!doctype html> and <html> are HTML, .TH is a man page, Markdown needs two of its marks', () => {
    assert.equal(detectFormat({ bytes: utf8('<!DOCTYPE html>\n<title>x</title><p>hi') }), 'html');
    assert.equal(detectFormat({ bytes: utf8('  <!-- c -->\n<html lang="en"><body>hi</body></html>') }), 'html');
    assert.equal(detectFormat({ bytes: utf8('.TH LS 1\n.SH NAME\nls \\- list\n') }), 'man');
    assert.equal(detectFormat({ bytes: utf8('# Title\n\nSome text.\n\n```js\nx()\n```\n') }), 'markdown');
    assert.equal(detectFormat({ bytes: utf8('# just a shell comment\necho hi\n') }), 'text');
    assert.equal(detectFormat({ bytes: utf8('plain words\n') }), 'text');
  });

  it('goes by the file name before sniffing', () => {
    assert.equal(detectFormat({ bytes: utf8('plain words'), name: 'notes.md' }), 'markdown');
    assert.equal(detectFormat({ bytes: utf8('plain words'), name: 'NOTES.MARKDOWN' }), 'markdown');
    assert.equal(detectFormat({ bytes: utf8('<html><body>x'), name: 'page.txt' }), 'text');
    assert.equal(detectFormat({ bytes: utf8('Title\n=====\n'), name: '/docs/guide.rst' }), 'text');
    assert.equal(detectFormat({ bytes: utf8('<p>x</p>'), name: 'a.htm' }), 'html');
    assert.equal(detectFormat({ bytes: utf8('.TH X 1\nhello\n'), name: 'x.1' }), 'man');
    assert.equal(detectFormat({ bytes: utf8('release notes, not roff\n'), name: 'notes.1' }), 'text');
  });

  it('unwraps gzip: a real man1 page is a man page with or without its name', () => {
    const gz = corpus(`${MAN1}/ls.1.gz`);
    assert.equal(detectFormat({ bytes: gz, name: 'ls.1.gz' }), 'man');
    assert.equal(detectFormat({ bytes: gz }), 'man');
    assert.equal(detectFormat({ bytes: gzipSync('# A\n\n- item\n'), name: 'x.md.gz' }), 'markdown');
  });

  it('a declared MIME type it reads wins; others are ignored', () => {
    assert.equal(detectFormat({ bytes: utf8('# A\n\n- b\n'), name: 'a.md', mime: 'text/plain; charset=utf-8' }), 'text');
    assert.equal(detectFormat({ bytes: utf8('hi'), mime: 'text/html' }), 'html');
    assert.equal(detectFormat({ bytes: utf8('hi'), mime: 'text/x-python' }), 'text');
    assert.equal(detectFormat({ bytes: makePdf({ pages: [{ lines: ['x'] }] }), mime: 'application/octet-stream' }), 'pdf');
    assert.equal(detectFormat({ bytes: utf8('.TH A 1\n'), mime: 'image/png' }), 'man');
  });

  it('refuses images, unknown binary data and ZIPs that are not DOCX with ERR_EXTRACT_UNSUPPORTED naming them', () => {
    throwsCode(() => detectFormat({ bytes: PNG }), 'ERR_EXTRACT_UNSUPPORTED', /PNG image/);
    throwsCode(() => detectFormat({ bytes: PNG, name: 'photo.png' }), 'ERR_EXTRACT_UNSUPPORTED', /PNG image/);
    throwsCode(() => detectFormat({ bytes: JPEG }), 'ERR_EXTRACT_UNSUPPORTED', /JPEG image/);
    throwsCode(() => detectFormat({ bytes: GIF }), 'ERR_EXTRACT_UNSUPPORTED', /GIF image/);
    throwsCode(() => detectFormat({ bytes: makeZip([{ name: 'a.txt', data: 'hello' }]) }), 'ERR_EXTRACT_UNSUPPORTED', /ZIP archive but not a DOCX/);
    throwsCode(() => detectFormat({ bytes: Uint8Array.from([0x00, 0x01, 0x02, 0xfe, 0x10, 0x00, 0x99]) }), 'ERR_EXTRACT_UNSUPPORTED', /first bytes: 00 01 02 fe/);
  });

  it('extract() fails the same way on PNG bytes', async () => {
    await rejectsCode(extract({ bytes: PNG }), 'ERR_EXTRACT_UNSUPPORTED', /PNG image/);
  });

  it('binary garbage declared as text/plain fails with ERR_EXTRACT_BINARY, not silently', async () => {
    await rejectsCode(extract({ bytes: PNG, mime: 'text/plain' }), 'ERR_EXTRACT_BINARY', /declared as text/);
    await rejectsCode(extract({ bytes: PNG, name: 'x.txt' }), 'ERR_EXTRACT_BINARY');
  });

  it('sniffs long lines without backtracking: 256 KiB of text on one line, many times over, is plain text', () => {
    // The setext-heading mark once backtracked quadratically on a long line (2.5 s for 64 KiB).
    const line = Buffer.from('word '.repeat(52_000));
    for (let i = 0; i < 20; i++) assert.equal(detectFormat({ bytes: line }), 'text');
    assert.equal(detectFormat({ bytes: Buffer.from('Title\n=====\n\nSome *text* and a [link](http://x).\n') }), 'markdown');
  });
});
