/**
 * Fuzzing each extractor in this thread on mutated real documents (test/fixtures/fuzz/seeds), with
 * the limits docflow ships: only ERR_EXTRACT_* errors, no fault of docflow's own code disguised as
 * ERR_EXTRACT_CORRUPT, valid results within maxChars, no input slower than the hang limit, memory
 * bounded. Each format has a dictionary of its own syntax for amplification (a token repeated up
 * to 5000 times), which is what reaches super-linear parsing. test/extract/property.test.ts runs
 * a few mutations of each format; this goes wider and keeps what breaks. Budget: budget.ts.
 */
import fc from 'fast-check';
import { checkExtract } from './checks.js';
import { fuzz } from './harness.js';
import { dictionary, mutate, mutations } from './mutate.js';
import type { FuzzInput } from './regressions.js';
import { generatedDocx, generatedPdfs, gzipSeeds, seedFiles, type SeedDoc } from './seeds.js';
import type { Target } from './budget.js';
import { applySurgery, unzipParts, zipSurgery } from './zip-mutate.js';

const files = seedFiles();
const seed = (name: string): SeedDoc => ({ name, bytes: files.get(name)! });
const latin1: SeedDoc = { name: 'latin1.txt', bytes: new Uint8Array(Buffer.from('Caf\xe9 cr\xe8me, na\xefve r\xe9sum\xe9.\r\nSecond line \xa9 2026\r\n', 'latin1')) };
const utf16: SeedDoc = { name: 'utf16.txt', bytes: new Uint8Array(Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(new TextDecoder().decode(files.get('README.venv.txt')!), 'utf16le')])) };

const XML = ['<w:p>', '</w:p>', '<w:r><w:t>x</w:t></w:r>', '<w:tbl><w:tr><w:tc>', '&amp;', '&#0;', '&#x110000;', '<!DOCTYPE d [<!ENTITY a "aaaaaaaa">]>', '&a;', '<', '>', '"', '<w:pStyle w:val="Heading1"/>', '<![CDATA[', 'xmlns:w="x"'];

/**
 * linkedom keeps one module-level WeakMap with an entry for every DOM node ever built (event
 * listeners); its entries die with their documents but its hash table keeps the capacity of the
 * largest DOM seen (a heap snapshot after 8000 mutated pages: one 32 MiB table, nothing else), so a
 * thread that parsed one huge page retains tens of MiB for good. It does not grow with the number
 * of documents, and the extract pool recycles a thread whose heap grows (poolDefaults
 * .recycleOnHeapGrowthMb); HTML's bound here allows that high-water mark.
 */
const LINKEDOM_HIGH_WATER_BYTES = 160 * 1024 * 1024;

/** A fuzzed format: its seeds, the MIME types and names it may arrive with, its dictionary. */
interface Format {
  target: Target;
  seeds: SeedDoc[];
  mimes: string[];
  tokens: Uint8Array[];
}

const FORMATS: Format[] = [
  {
    target: 'extract-text', seeds: [seed('README.venv.txt'), latin1, utf16], mimes: ['text/plain', 'text/csv'],
    tokens: dictionary('\0', '\r\n', '\r', '\xef\xbb\xbf', '\xff\xfe', '\x1b[31m', '\x85', '\xc3', '\t', ' '),
  },
  {
    target: 'extract-markdown', seeds: [seed('procps-bugs.md'), seed('zstd-TESTING.md')], mimes: ['text/markdown'],
    tokens: dictionary('```\n', '# ', '\n', '\n===\n', '\n---\n', '[a](b)', '---\ntitle: x\n---\n', '- ', '~~~', '#', 'Heading\n', ' '),
  },
  {
    target: 'extract-man', seeds: [seed('ls.1'), seed('scp.1')], mimes: ['text/troff'],
    tokens: dictionary('.SH ', '.TH A 1\n', '\\f', '\\*(', '\\*[x]', '.de xx\n', '..\n', '.xx\n', '.if n \\{', '\\}', '.ds x \\*x\\*x\n', '\\n', '.TS\n', 'l l.\n', '.TE\n', '.Bl -tag\n', '.It ', '.El\n', '\\c\n', '.ie t ', '.el ', '.als y xx\n', '\\(em', '\\s-1', '\\', '"', '.am xx\n', '.Dd\n', '.Sh A\n', '.Nm x\n', '\n'),
  },
  {
    target: 'extract-html', seeds: [seed('python-copyright.html'), seed('libffi-Introduction.html')], mimes: ['text/html', 'application/xhtml+xml'],
    tokens: dictionary('<div>', '</div>', '<', '<a', '<!--', '-->', '<h1>', '<pre>', '<table><tr><td>', '&amp;', '&#x10FFFF;', '<script>', '<![CDATA[', '<main>', '<svg>', '<?xml ?>', '>', '"', '<p>', '<li>', '<nav role="navigation">'),
  },
  {
    target: 'extract-pdf', seeds: [seed('shared-mime-info-spec.pdf'), ...generatedPdfs()], mimes: ['application/pdf'],
    tokens: dictionary('<<', '>>', '[', ']', '(', ')', ' obj\n', 'endobj\n', 'stream\n', 'endstream', '/Length 99999999', ' 0 R', '/Type /Pages', '/Kids [', '/Count 2147483647', 'xref\n', 'trailer', '%%EOF', '\\', '/FlateDecode', 'BT /F1 12 Tf (x) Tj ET', '/Encrypt', '/Outlines', '%PDF-1.7\n'),
  },
  {
    target: 'extract-docx', seeds: [seed('mammoth-tables.docx'), seed('mammoth-footnotes.docx'), generatedDocx()], mimes: ['application/vnd.openxmlformats-officedocument.wordprocessingml.document'],
    tokens: dictionary('PK\x03\x04', 'PK\x01\x02', 'PK\x05\x06', 'word/document.xml', ...XML),
  },
  {
    target: 'extract-gzip', seeds: gzipSeeds(files), mimes: [],
    tokens: dictionary('\x1f\x8b\x08\x00', '\x00\x00\x00\x00', '\xff\xff'),
  },
];

/** A document with its name (or none), a declared MIME type (sometimes a wrong one) or none. */
function documentInput(f: Format, donors: Uint8Array[]): fc.Arbitrary<FuzzInput> {
  const allMimes = FORMATS.flatMap((x) => x.mimes);
  return fc.record({
    seed: fc.nat(f.seeds.length - 1),
    muts: mutations(f.tokens.length, donors.length),
    named: fc.boolean(),
    mime: fc.option(fc.oneof({ weight: 3, arbitrary: fc.constantFrom(...(f.mimes.length > 0 ? f.mimes : ['text/plain'])) }, { weight: 1, arbitrary: fc.constantFrom(...allMimes, 'image/png', 'text/x-unknown') }), { freq: 2 }),
  }).map(({ seed, muts, named, mime }) => {
    const s = f.seeds[seed]!;
    const meta: Record<string, string> = {};
    if (named) meta['name'] = s.name;
    if (mime !== null) meta['mime'] = mime;
    return { bytes: mutate(s.bytes, muts, f.tokens, donors), meta };
  });
}

describe('fuzz: the extractors (in this thread)', function () {
  this.timeout(0);
  const donors = FORMATS.flatMap((f) => f.seeds.map((s) => s.bytes));

  for (const f of FORMATS) {
    it(`${f.target}: mutated ${f.seeds.map((s) => s.name).join(', ')} yield valid text or ERR_EXTRACT_*`, async () => {
      await fuzz(f.target, documentInput(f, donors), (c) => checkExtract(c), f.target === 'extract-html' ? { retainedLimitBytes: LINKEDOM_HIGH_WATER_BYTES } : {});
    });
  }

  it('extract-zip: DOCX archives with damaged XML parts and forged ZIP records yield valid text or ERR_EXTRACT_*', async () => {
    const docx = FORMATS.find((f) => f.target === 'extract-docx')!;
    const archives = docx.seeds.map((s) => unzipParts(s.bytes));
    const tokens = dictionary(...XML);
    const arb = fc.record({ seed: fc.nat(archives.length - 1), surgery: zipSurgery(tokens.length), named: fc.boolean() })
      .map(({ seed, surgery, named }): FuzzInput => ({ bytes: applySurgery(archives[seed]!, surgery, tokens), meta: named ? { name: 'fuzzed.docx' } : {} }));
    await fuzz('extract-zip', arb, (c) => checkExtract(c));
  });
});
