import assert from 'node:assert/strict';
import { extract } from '../../src/extract/index.js';
import { assertValid, corpus, rejectsCode } from './helpers.js';

const utf8 = (s: string): Uint8Array => new TextEncoder().encode(s);

describe('extract: text', () => {
  it('reads a real text file declared text/plain as one section', async () => {
    const bytes = corpus('/usr/share/doc/python3.11/README.venv');
    const r = await extract({ bytes, name: 'README.venv', mime: 'text/plain' });
    assertValid(r);
    assert.equal(r.format, 'text');
    assert.equal(r.sections.length, 1);
    assert.match(r.text, /^Installing Python Packages in Debian\n====/);
    // Without the MIME type, its setext underlines and lists make it Markdown, with sections.
    const sniffed = await extract({ bytes, name: 'README.venv' });
    assert.equal(sniffed.format, 'markdown');
    assert.deepEqual(sniffed.sections[1]?.headingPath, ['Installing Python Packages in Debian', 'Python applications']);
  });

  it('strips a UTF-8 BOM and turns CRLF and CR into LF', async () => {
    const r = await extract({ bytes: Uint8Array.from([0xef, 0xbb, 0xbf, ...utf8('one\r\ntwo\rthree\n')]), name: 'a.txt' });
    assert.equal(r.text, 'one\ntwo\nthree\n');
    assertValid(r);
  });

  it('decodes UTF-16 LE and BE with a BOM', async () => {
    const le = Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from('héllo wörld\r\n', 'utf16le')]);
    assert.equal((await extract({ bytes: le, name: 'a.txt' })).text, 'héllo wörld\n');
    const be = Buffer.from(le);
    be.swap16();
    assert.equal((await extract({ bytes: be })).text, 'héllo wörld\n');
  });

  it('reads Latin-1 prose that is not valid UTF-8', async () => {
    assert.equal((await extract({ bytes: Buffer.from('Un café à Paris.\n', 'latin1'), name: 'a.txt' })).text, 'Un café à Paris.\n');
  });

  it('refuses binary garbage declared as text: NUL bytes, control characters, undecodable bytes', async () => {
    await rejectsCode(extract({ bytes: utf8('abc\0def'), name: 'a.txt' }), 'ERR_EXTRACT_BINARY', /NUL/);
    await rejectsCode(extract({ bytes: utf8('a\x01b\x02c\x03d\x04e\x05f\x06'), mime: 'text/plain' }), 'ERR_EXTRACT_BINARY', /control/);
    const high = Uint8Array.from({ length: 400 }, (_, i) => 0x80 + ((i * 31) % 0x7f));
    await rejectsCode(extract({ bytes: high, name: 'a.txt' }), 'ERR_EXTRACT_BINARY', /UTF-8/);
  });

  it('empty and whitespace-only documents are ERR_EXTRACT_NO_TEXT', async () => {
    await rejectsCode(extract({ bytes: new Uint8Array(0), name: 'a.txt' }), 'ERR_EXTRACT_NO_TEXT');
    await rejectsCode(extract({ bytes: utf8(' \n\t\r\n ') }), 'ERR_EXTRACT_NO_TEXT');
    await rejectsCode(extract({ bytes: utf8('\n\n'), name: 'a.md' }), 'ERR_EXTRACT_NO_TEXT');
  });

  it('text over maxChars is ERR_EXTRACT_TOO_LARGE', async () => {
    const bytes = utf8('word '.repeat(300));
    await rejectsCode(extract({ bytes, name: 'a.txt' }, { maxChars: 1000 }), 'ERR_EXTRACT_TOO_LARGE', /1000/);
    assert.equal((await extract({ bytes, name: 'a.txt' }, { maxChars: 1500 })).text.length, 1500);
  });

  it('rejects bad options and inputs as caller bugs (TypeError)', async () => {
    await assert.rejects(extract({ bytes: utf8('x') }, { maxChars: 0 }), /options.maxChars must be a positive integer/);
    await assert.rejects(extract({ bytes: 'x' as unknown as Uint8Array }), TypeError);
  });
});
