/**
 * Property: extract() on random mutations of real small files of every format either returns a
 * valid Extracted or throws a DocflowError with an ERR_EXTRACT_* code, never anything else.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { gunzipSync } from 'node:zlib';
import fc from 'fast-check';
import { DocflowError } from '../../src/errors/index.js';
import { extract } from '../../src/extract/index.js';
import { makeDocx } from '../fixtures/documents/make-docx.js';
import { makePdf } from '../fixtures/documents/make-pdf.js';
import { mutate, type Mutation } from '../fuzz/mutate.js';
import { assertValid, corpus, MAN1, PY_HTML } from './helpers.js';

const at = fc.double({ min: 0, max: 1, noNaN: true, maxExcluded: true });
const mutation: fc.Arbitrary<Mutation> = fc.oneof(
  fc.record({ kind: fc.constant('flip' as const), at, bit: fc.integer({ min: 0, max: 7 }) }),
  fc.record({ kind: fc.constant('set' as const), at, byte: fc.integer({ min: 0, max: 255 }) }),
  fc.record({ kind: fc.constant('delete' as const), at, len: fc.integer({ min: 1, max: 64 }) }),
  fc.record({ kind: fc.constant('insert' as const), at, bytes: fc.uint8Array({ minLength: 1, maxLength: 16 }) }),
  fc.record({ kind: fc.constant('copy' as const), from: at, at, len: fc.integer({ min: 1, max: 256 }) }),
  fc.record({ kind: fc.constant('truncate' as const), at }),
);

async function outcome(bytes: Uint8Array, name: string | undefined): Promise<void> {
  try {
    const r = await extract(name === undefined ? { bytes } : { bytes, name });
    assertValid(r);
  } catch (err) {
    if (!(err instanceof DocflowError)) throw new Error(`not a DocflowError: ${String(err)}`, { cause: err });
    assert.match(err.code, /^ERR_EXTRACT_/, `${err.code}: ${err.message}`);
  }
}

const NUM_RUNS = 60;

describe('extract: property (random mutations of real files)', function () {
  this.timeout(60_000);

  const lsGz = corpus(`${MAN1}/ls.1.gz`);
  const bases: Array<{ format: string; name: string; bytes: () => Uint8Array }> = [
    { format: 'text', name: 'README.txt', bytes: () => corpus('/usr/share/doc/python3.11/README.venv') },
    { format: 'markdown', name: 'README.md', bytes: () => new Uint8Array(readFileSync(new URL('../../../README.md', import.meta.url))) },
    { format: 'html', name: 'copyright.html', bytes: () => corpus(`${PY_HTML}/../copyright.html`) },
    {
      format: 'pdf',
      name: 'small.pdf',
      bytes: () => makePdf({ title: 'T', compress: true, pages: [{ lines: ['Alpha beta', 'gamma'] }, { image: true, lines: ['Delta'] }, { lines: ['Epsilon (x)'] }] }),
    },
    { format: 'docx', name: 'small.docx', bytes: () => makeDocx([{ text: 'Title', heading: 1 }, { text: 'Body text.' }, { text: 'Sub', heading: 2 }, { text: 'More.' }], { title: 'T' }) },
    { format: 'man (gzip)', name: 'ls.1.gz', bytes: () => lsGz },
    { format: 'man', name: 'ls.1', bytes: () => new Uint8Array(gunzipSync(lsGz)) },
  ];

  for (const base of bases) {
    it(`${base.format}: any mutation yields a valid result or an ERR_EXTRACT_* error`, async () => {
      const bytes = base.bytes();
      await outcome(bytes, base.name); // the unmutated file is fine too
      await fc.assert(
        fc.asyncProperty(fc.array(mutation, { minLength: 1, maxLength: 6 }), fc.boolean(), async (ms, named) => {
          await outcome(mutate(bytes, ms), named ? base.name : undefined);
        }),
        { numRuns: NUM_RUNS },
      );
    });
  }
});
