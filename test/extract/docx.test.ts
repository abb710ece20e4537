import assert from 'node:assert/strict';
import { deflateRawSync } from 'node:zlib';
import { extract } from '../../src/extract/index.js';
import { docxParts, makeDocx } from '../fixtures/documents/make-docx.js';
import { makeZip } from '../fixtures/documents/make-zip.js';
import { assertValid, rejectsCode, sectionTexts } from './helpers.js';

const PARAS = [
  { text: 'Preface before any heading.' },
  { text: 'Getting Started', heading: 1 },
  { text: 'Install it & run it.' },
  { text: 'On Linux', heading: 2 },
  { text: 'Use the package <manager>.' },
  { text: 'Details', heading: 3 },
  { text: 'Deep detail.' },
  { text: 'On macOS', heading: 2 },
  { text: 'Use brew.' },
  { text: 'Reference', heading: 1 },
  { text: 'All the options.' },
];

describe('extract: docx', function () {
  this.timeout(20_000);

  it('a generated DOCX: paragraphs, headings as sections with their paths, title from core.xml', async () => {
    const r = await extract({ bytes: makeDocx(PARAS, { title: 'User Guide' }), name: 'guide.docx' });
    assertValid(r);
    assert.equal(r.format, 'docx');
    assert.equal(r.title, 'User Guide');
    assert.equal(r.text, PARAS.map((p) => p.text).join('\n\n'));
    assert.deepEqual(sectionTexts(r), [
      { path: '', text: 'Preface before any heading.\n\n' },
      { path: 'Getting Started', text: 'Getting Started\n\nInstall it & run it.\n\n' },
      { path: 'Getting Started > On Linux', text: 'On Linux\n\nUse the package <manager>.\n\n' },
      { path: 'Getting Started > On Linux > Details', text: 'Details\n\nDeep detail.\n\n' },
      { path: 'Getting Started > On macOS', text: 'On macOS\n\nUse brew.\n\n' },
      { path: 'Reference', text: 'Reference\n\nAll the options.' },
    ]);
  });

  it('without core.xml the title is the first top-level heading; detection needs no name', async () => {
    const r = await extract({ bytes: makeDocx(PARAS) });
    assert.equal(r.format, 'docx');
    assert.equal(r.title, 'Getting Started');
  });

  describe('zip bombs and lies, refused before mammoth unpacks anything', () => {
    const zeros = 200_000_000;
    let bomb: Buffer;
    before(() => {
      const compressed = deflateRawSync(Buffer.alloc(zeros), { level: 9 });
      bomb = makeZip([...docxParts(PARAS), { name: 'word/media/zeros.bin', data: '', raw: { compressed, size: zeros, crc: 0 } }]);
      assert.ok(bomb.length < 300_000, `the bomb is small (${bomb.length} bytes)`);
    });

    it('200 MB of zeros in a DOCX is over maxUnzippedBytes: ERR_EXTRACT_BOMB', async () => {
      await rejectsCode(extract({ bytes: bomb, name: 'bomb.docx' }), 'ERR_EXTRACT_BOMB', /unzips to \d+ bytes, over 104857600/);
    });

    it('with a higher size limit, its compression ratio still gives it away', async () => {
      await rejectsCode(extract({ bytes: bomb, name: 'bomb.docx' }, { maxUnzippedBytes: 2 ** 31 }), 'ERR_EXTRACT_BOMB', /maxZipRatio/);
    });

    it('an entry that declares a small size but inflates to more is a bomb too', async () => {
      const big = Buffer.alloc(5_000_000, 0x41);
      const lying = makeZip([...docxParts(PARAS), { name: 'word/media/x.bin', data: big, declaredSize: 1000 }]);
      await rejectsCode(extract({ bytes: lying, name: 'lie.docx' }), 'ERR_EXTRACT_BOMB', /expands past the 1000 bytes it declares/);
    });

    it('declared sizes alone can refuse an archive (no inflating needed)', async () => {
      const forged = makeZip([...docxParts(PARAS), { name: 'word/huge.xml', data: 'tiny', declaredSize: 0xfffffff0 }]);
      await rejectsCode(extract({ bytes: forged, name: 'f.docx' }), 'ERR_EXTRACT_BOMB', /over 104857600/);
    });

    it('an absurd entry count is refused', async () => {
      const zip = makeDocx(PARAS);
      zip.writeUInt16LE(65000, zip.length - 22 + 8);
      zip.writeUInt16LE(65000, zip.length - 22 + 10);
      await rejectsCode(extract({ bytes: zip, name: 'many.docx' }), 'ERR_EXTRACT_BOMB', /65000 entries/);
    });
  });

  it('not a ZIP, a truncated ZIP, or a ZIP without word/document.xml, named .docx: ERR_EXTRACT_CORRUPT', async () => {
    await rejectsCode(extract({ bytes: new TextEncoder().encode('hello, not a zip'), name: 'a.docx' }), 'ERR_EXTRACT_CORRUPT', /not a ZIP/);
    const whole = makeDocx(PARAS);
    await rejectsCode(extract({ bytes: whole.subarray(0, whole.length - 40), name: 'a.docx' }), 'ERR_EXTRACT_CORRUPT');
    await rejectsCode(extract({ bytes: makeZip([{ name: 'a.txt', data: 'x' }]), name: 'a.docx' }), 'ERR_EXTRACT_CORRUPT', /word\/document\.xml/);
  });

  it('an XML part that is not XML is ERR_EXTRACT_CORRUPT with the library message', async () => {
    const parts = docxParts(PARAS).map((p) => (p.name === 'word/document.xml' ? { ...p, data: '<w:document><w:body><w:p' } : p));
    await rejectsCode(extract({ bytes: makeZip(parts), name: 'bad.docx' }), 'ERR_EXTRACT_CORRUPT', /the DOCX could not be read: /);
  });

  it('a password-protected DOCX (an OLE EncryptedPackage) is ERR_EXTRACT_ENCRYPTED', async () => {
    const ole = Buffer.concat([
      Buffer.from([0xd0, 0xcf, 0x11, 0xe0, 0xa1, 0xb1, 0x1a, 0xe1]),
      Buffer.alloc(504),
      Buffer.from('EncryptedPackage', 'utf16le'),
      Buffer.alloc(512),
    ]);
    await rejectsCode(extract({ bytes: ole, name: 'secret.docx' }), 'ERR_EXTRACT_ENCRYPTED');
    await rejectsCode(extract({ bytes: ole }), 'ERR_EXTRACT_ENCRYPTED');
  });

  it('a DOCX without paragraphs is ERR_EXTRACT_NO_TEXT; one over maxChars is ERR_EXTRACT_TOO_LARGE', async () => {
    await rejectsCode(extract({ bytes: makeDocx([]), name: 'empty.docx' }), 'ERR_EXTRACT_NO_TEXT');
    await rejectsCode(extract({ bytes: makeDocx(PARAS), name: 'a.docx' }, { maxChars: 50 }), 'ERR_EXTRACT_TOO_LARGE');
  });
});
