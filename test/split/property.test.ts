/**
 * Property tests: on random text (unicode, emoji, CJK, very long words, no whitespace at all, only
 * whitespace, many blank lines) with random sections and options, in both units, every guarantee of
 * `split` holds, and the same input gives the same chunks.
 */
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { split, type SplitOptions } from '../../src/split/index.js';
import { assertGuarantees, optionsArb, sectionsArb, textArb } from './helpers.js';

function check(unit: SplitOptions['unit'], numRuns: number): void {
  fc.assert(
    fc.property(
      textArb().chain((text) => fc.tuple(fc.constant(text), sectionsArb(text), optionsArb(unit))),
      ([text, sections, o]) => {
        const chunks = split(text, sections, o);
        assertGuarantees(text, sections, o, chunks);
        assert.deepStrictEqual(split(text, sections, o), chunks, 'same input, same chunks');
        if (text.trim() === '') assert.deepEqual(chunks, []);
      },
    ),
    { numRuns },
  );
}

describe('split: properties on random text', function () {
  this.timeout(120_000);

  it('chars: size, no blank chunk, overlap, coverage, offsets, sections, determinism', () => {
    check('chars', 400);
  });

  it('tokens: the same, sizes counted by js-tiktoken encode on each chunk', () => {
    check('tokens', 120);
  });

  it('no sections: one region over the whole text, with large and tiny sizes', () => {
    fc.assert(
      fc.property(textArb(), fc.constantFrom<SplitOptions>(
        { unit: 'chars', chunkSize: 2, chunkOverlap: 1 },
        { unit: 'chars', chunkSize: 1000, chunkOverlap: 999 },
        { unit: 'tokens', chunkSize: 4, chunkOverlap: 3 },
        { unit: 'tokens', chunkSize: 512, chunkOverlap: 64 },
      ), (text, o) => {
        assertGuarantees(text, [], o, split(text, [], o));
      }),
      { numRuns: 120 },
    );
  });
});
