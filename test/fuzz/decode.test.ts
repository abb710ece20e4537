/**
 * Fuzzing the decode path (bytes → headers → LZ4 → msgpack/JSON → schema) with seed messages built
 * by the real encoder: byte-level mutations with mutated headers and mismatched kinds, LZ4 frame
 * surgery, and structure-aware msgpack. Only ERR_CODEC_* errors may come out. Budget: budget.ts.
 * test/codec/property.test.ts checks the same promise with random messages; these go further from
 * valid input (real frames, lying lengths, deep nesting, bombs) and keep what breaks.
 */
import fc from 'fast-check';
import { CONTENT_ENCODING, CONTENT_TYPE, type IncomingHeaders } from '../../src/codec/index.js';
import { compressFrame } from '../../src/codec/lz4.js';
import { checkDecode } from './checks.js';
import { fuzz } from './harness.js';
import { frameMutation, mutateFrame } from './lz4-mutate.js';
import { hostile, mutateTree } from './msgpack-raw.js';
import { dictionary, mutate, mutations } from './mutate.js';
import { codec, KINDS, seedFiles, seedMessages, type SeedMessage } from './seeds.js';
import type { FuzzInput } from './regressions.js';

const seeds = seedMessages(seedFiles().get('ls.1')!);
const donors = seeds.map((s) => s.encoded.body);
const KIND_NAMES = Object.keys(KINDS);
const TOKENS = dictionary('{', '}', '"', '[', ']', ':', ',', '\\u0000', '\\ud800', '"__proto__":', '1e999', '\xc1', '\xdd\xff\xff\xff\xff', '\xdf\x7f\xff\xff\xff', '\xc7\x08\xff', '\xd9\xff', '\x04\x22\x4d\x18', '\xed\xa0\x80');

/** How the headers of a mutated body are chosen. */
type HeaderChoice =
  | { op: 'keep' }
  | { op: 'none' }
  | { op: 'flipType' }
  | { op: 'flipLz4' }
  | { op: 'set'; type: string | undefined; encoding: string | undefined; lower: boolean }
  | { op: 'conflict' };

const headerChoice: fc.Arbitrary<HeaderChoice> = fc.oneof(
  { weight: 6, arbitrary: fc.constant<HeaderChoice>({ op: 'keep' }) },
  { weight: 1, arbitrary: fc.constant<HeaderChoice>({ op: 'none' }) },
  { weight: 1, arbitrary: fc.constant<HeaderChoice>({ op: 'flipType' }) },
  { weight: 1, arbitrary: fc.constant<HeaderChoice>({ op: 'flipLz4' }) },
  { weight: 1, arbitrary: fc.constant<HeaderChoice>({ op: 'conflict' }) },
  {
    weight: 2,
    arbitrary: fc.record({
      op: fc.constant('set' as const),
      type: fc.oneof(fc.constantFrom(undefined, '', 'application/msgpack; charset=binary', ' APPLICATION/JSON ', 'text/plain', 'application/x-msgpack', 'application/json;;;', ';'), fc.string({ maxLength: 80 })),
      encoding: fc.oneof(fc.constantFrom(undefined, '', 'lz4', ' LZ4 ', 'identity', 'gzip', 'lz4, identity', 'lz4\u0000'), fc.string({ maxLength: 20 })),
      lower: fc.boolean(),
    }),
  },
);

function headersFor(seed: SeedMessage, c: HeaderChoice): IncomingHeaders {
  const h = seed.encoded.headers;
  const type = h[CONTENT_TYPE]!;
  switch (c.op) {
    case 'keep': return h;
    case 'none': return null;
    case 'flipType': return { ...h, [CONTENT_TYPE]: type.endsWith('json') ? 'application/msgpack' : 'application/json' };
    case 'flipLz4': return h[CONTENT_ENCODING] ? { [CONTENT_TYPE]: type } : { ...h, [CONTENT_ENCODING]: 'lz4' };
    case 'conflict': return { ...h, 'content-type': type.endsWith('json') ? 'application/msgpack' : 'application/json' };
    case 'set': {
      const out: Record<string, string | undefined> = {};
      out[c.lower ? 'content-type' : CONTENT_TYPE] = c.type;
      out[c.lower ? 'content-encoding' : CONTENT_ENCODING] = c.encoding;
      return out;
    }
  }
}

/** The seed's own kind most of the time, sometimes another (a message on the wrong subject). */
const kindChoice = fc.option(fc.constantFrom(...KIND_NAMES), { freq: 4, nil: undefined });
const decodeInput = (bytes: Uint8Array, seed: SeedMessage, kind: string | undefined, headers: IncomingHeaders): FuzzInput =>
  ({ bytes, meta: { kind: kind ?? seed.kind.name, headers } });

describe('fuzz: the decode path', function () {
  this.timeout(0);

  it('byte mutations of real messages, with mutated headers and kinds, throw only ERR_CODEC_*', async () => {
    const arb = fc.record({ seed: fc.nat(seeds.length - 1), muts: mutations(TOKENS.length, donors.length), headers: headerChoice, kind: kindChoice })
      .map(({ seed, muts, headers, kind }) => decodeInput(mutate(seeds[seed]!.encoded.body, muts, TOKENS, donors), seeds[seed]!, kind, headersFor(seeds[seed]!, headers)));
    await fuzz('decode-bytes', arb, checkDecode);
  });

  const compressed = seeds.filter((s) => s.encoded.headers[CONTENT_ENCODING] === 'lz4');

  it('LZ4 frames with corrupt checksums, lying sizes, bad flags and bombs throw only ERR_CODEC_*', async () => {
    const arb = fc.record({
      seed: fc.nat(compressed.length - 1),
      // Sometimes a valid frame around a mutated body, so that damage reaches the format behind LZ4.
      inner: fc.option(mutations(TOKENS.length, 0, 3), { freq: 3 }),
      frame: fc.array(frameMutation, { minLength: 0, maxLength: 3 }),
      kind: kindChoice,
    }).map(({ seed, inner, frame, kind }) => {
      const s = compressed[seed]!;
      let body: Uint8Array = inner ? compressFrame(mutate(s.plain, inner, TOKENS)) : s.encoded.body;
      for (const m of frame) body = mutateFrame(body, m);
      return decodeInput(body, s, kind, s.encoded.headers);
    });
    await fuzz('decode-lz4', arb, checkDecode);
  });

  const msgpackSeeds = seeds.filter((s) => s.encoded.headers[CONTENT_TYPE] === 'application/msgpack' && !s.encoded.headers[CONTENT_ENCODING]);
  const values = msgpackSeeds.map((s) => codec.decodeValue(s.encoded.body, s.encoded.headers));

  it('msgpack with wrong types, lying and huge lengths, deep nesting and extensions throws only ERR_CODEC_*', async () => {
    const arb = fc.record({
      seed: fc.nat(msgpackSeeds.length - 1),
      changes: fc.array(fc.record({ at: fc.double({ min: 0, max: 1, noNaN: true, maxExcluded: true }), h: hostile }), { minLength: 1, maxLength: 3 }),
      compress: fc.boolean(),
      sniff: fc.boolean(),
      kind: kindChoice,
    }).map(({ seed, changes, compress, sniff, kind }) => {
      const raw = mutateTree(values[seed], changes);
      const headers: Record<string, string> = sniff ? {} : { [CONTENT_TYPE]: 'application/msgpack' };
      if (compress) headers[CONTENT_ENCODING] = 'lz4';
      return decodeInput(compress ? compressFrame(raw) : raw, msgpackSeeds[seed]!, kind, headers);
    });
    await fuzz('decode-msgpack', arb, checkDecode);
  });
});
