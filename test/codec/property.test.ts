/**
 * Property tests: valid messages round-trip through every format and compression; any bytes, and any
 * mutation of valid bodies, with any headers, fail only with a CodecError.
 */
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { Codec, type Format } from '../../src/codec/index.js';
import { CodecError } from '../../src/errors/index.js';
import { Ingest, Result, type IngestMessage, type MessageKind, type ResultMessage } from '../../src/messages/index.js';

const codec = new Codec({ compressMinBytes: 256 });
const FORMATS: Format[] = ['msgpack', 'json'];
const COMPRESS = [true, false, undefined];

const str = (maxLength: number, minLength = 0) => fc.string({ unit: 'binary', minLength, maxLength });
// Finite numbers without -0 (JSON has no -0, NaN or Infinity, and neither do our schemas).
const num = fc.double({ noNaN: true, noDefaultInfinity: true }).map((x) => (x === 0 ? 0 : x));
// metadata keys and collections as their schemas allow (what search can filter on and name)
const key = fc.stringMatching(/^[A-Za-z0-9_.-]{1,20}$/).filter((k) => k !== '__proto__');
const metadata = fc.dictionary(key, fc.oneof(str(40), num, fc.integer(), fc.boolean()), { maxKeys: 6, noNullPrototype: true });
const bytes = fc.uint8Array({ maxLength: 600 }).map((a) => Buffer.from(a));

const ingest: fc.Arbitrary<IngestMessage> = fc
  .tuple(
    fc.oneof(fc.record({ text: str(600) }), fc.record({ data: bytes }), fc.record({ uri: str(200, 1) })),
    fc.record(
      {
        id: str(64, 1),
        mime: str(40),
        metadata,
        priority: fc.constantFrom('critical', 'high', 'normal', 'low'),
        collection: fc.stringMatching(/^[A-Za-z0-9_-]{1,20}$/),
      },
      { requiredKeys: [], noNullPrototype: true },
    ),
  )
  .map(([source, rest]) => ({ ...rest, ...source }) as IngestMessage);

const result: fc.Arbitrary<ResultMessage> = fc.record(
  {
    docId: str(64, 1),
    status: fc.constantFrom('accepted', 'stage', 'indexed', 'unchanged', 'failed'),
    stage: fc.stringMatching(/^[a-z][a-z0-9-]{0,31}$/),
    chunks: fc.nat(),
    error: fc.record(
      { code: str(30), message: str(200), retryable: fc.boolean(), details: fc.dictionary(key, fc.oneof(fc.integer(), str(20), fc.boolean(), fc.constant(null)), { maxKeys: 4, noNullPrototype: true }) },
      { requiredKeys: ['code', 'message'], noNullPrototype: true },
    ),
    attempt: fc.nat(),
    elapsedMs: num.map(Math.abs),
    at: fc.date({ noInvalidDate: true }).map((d) => d.toISOString()),
  },
  { requiredKeys: ['docId', 'status', 'at'], noNullPrototype: true },
) as fc.Arbitrary<ResultMessage>;

function roundTrips<K extends MessageKind>(kind: K, msg: unknown): void {
  for (const format of FORMATS) {
    for (const compress of COMPRESS) {
      const e = codec.encode(kind, msg as never, { format, compress });
      assert.deepStrictEqual(codec.decode(kind, e.body, e.headers), msg, `${format} compress=${String(compress)}`);
    }
  }
}

/** Codes seen by {@link onlyCodecErrors}, to show the fuzzing reaches every layer. */
const seen = new Set<string>();

/** Run `fn`; anything it throws must be a CodecError with an ERR_CODEC_ code. */
function onlyCodecErrors(fn: () => unknown): void {
  try {
    fn();
    seen.add('ok');
  } catch (err) {
    if (!(err instanceof CodecError) || !err.code.startsWith('ERR_CODEC_')) {
      assert.fail(`threw something other than a CodecError: ${err instanceof Error ? err.stack : String(err)}`);
    }
    seen.add(err.code);
  }
}

const headerValues = {
  type: fc.constantFrom(undefined, 'application/msgpack', 'application/json', 'APPLICATION/JSON; charset=utf-8', 'text/plain', '', 'application/msgpack;'),
  encoding: fc.constantFrom(undefined, 'lz4', 'LZ4', 'gzip', '', 'identity'),
  typeName: fc.constantFrom('Content-Type', 'content-type', 'CONTENT-TYPE'),
  encodingName: fc.constantFrom('Content-Encoding', 'content-encoding', 'CONTENT-ENCODING'),
};
const headers = fc.option(
  fc.record(headerValues).map(({ type, encoding, typeName, encodingName }) => ({ [typeName]: type, [encodingName]: encoding })),
  { nil: null },
);

/** A valid body of either kind, in any format, compressed or not, with its headers. */
const validBody = fc.tuple(fc.oneof(ingest, result), fc.constantFrom(...FORMATS), fc.boolean()).map(([msg, format, compress]) => {
  const kind = 'docId' in msg ? Result : Ingest;
  return codec.encode(kind as MessageKind, msg as never, { format, compress });
});

type Mutation =
  | { op: 'flip'; at: number; bit: number }
  | { op: 'truncate'; at: number }
  | { op: 'insert'; at: number; data: Uint8Array }
  | { op: 'set'; at: number; value: number };

const mutation: fc.Arbitrary<Mutation> = fc.oneof(
  fc.record({ op: fc.constant('flip' as const), at: fc.nat(), bit: fc.nat(7) }),
  fc.record({ op: fc.constant('truncate' as const), at: fc.nat() }),
  fc.record({ op: fc.constant('insert' as const), at: fc.nat(), data: fc.uint8Array({ minLength: 1, maxLength: 8 }) }),
  fc.record({ op: fc.constant('set' as const), at: fc.nat(), value: fc.constantFrom(0x00, 0xc1, 0xd4, 0xdd, 0xdf, 0xdb, 0xff, 0x7b, 0x80) }),
);

function mutate(body: Uint8Array, muts: Mutation[]): Buffer {
  let out = Buffer.from(body);
  for (const m of muts) {
    const at = out.length === 0 ? 0 : m.at % out.length;
    if (m.op === 'flip' && out.length > 0) out[at]! ^= 1 << m.bit;
    else if (m.op === 'truncate') out = out.subarray(0, at);
    else if (m.op === 'insert') out = Buffer.concat([out.subarray(0, at), m.data, out.subarray(at)]);
    else if (m.op === 'set' && out.length > 0) out[at] = m.value;
  }
  return out;
}

describe('codec properties', function () {
  this.timeout(20_000);

  it('(a) any valid Ingest round-trips through every format and compression', () => {
    fc.assert(fc.property(ingest, (msg) => roundTrips(Ingest, msg)), { numRuns: 1000 });
  });

  it('(a) any valid Result round-trips through every format and compression', () => {
    fc.assert(fc.property(result, (msg) => roundTrips(Result, msg)), { numRuns: 1000 });
  });

  it('(b) arbitrary bytes with arbitrary headers throw only CodecError', () => {
    const body = fc.oneof(fc.uint8Array({ maxLength: 200 }), fc.uint8Array({ maxLength: 20 }).map((a) => Buffer.concat([Buffer.from([0x80 | (a.length & 0x0f)]), a])));
    fc.assert(
      fc.property(body, headers, (b, h) => {
        onlyCodecErrors(() => codec.decodeValue(b, h));
        onlyCodecErrors(() => codec.decode(Ingest, b, h));
        onlyCodecErrors(() => codec.decode(Result, b, h));
      }),
      { numRuns: 5000 },
    );
  });

  it('(b) mutated valid bodies (bit flips, truncations, insertions) throw only CodecError', () => {
    fc.assert(
      fc.property(validBody, fc.array(mutation, { minLength: 1, maxLength: 4 }), fc.boolean(), headers, (enc, muts, keepHeaders, h) => {
        const bad = mutate(enc.body, muts);
        const hs = keepHeaders ? enc.headers : h;
        onlyCodecErrors(() => codec.decodeValue(bad, hs));
        onlyCodecErrors(() => codec.decode(Ingest, bad, hs));
        onlyCodecErrors(() => codec.decode(Result, bad, hs));
      }),
      { numRuns: 5000 },
    );
    for (const code of ['ok', 'ERR_CODEC_LZ4', 'ERR_CODEC_MSGPACK', 'ERR_CODEC_JSON', 'ERR_CODEC_SCHEMA', 'ERR_CODEC_CONTENT_TYPE', 'ERR_CODEC_UTF8']) {
      assert.ok(seen.has(code), `the fuzzing never reached ${code} (saw ${[...seen].join(', ')})`);
    }
  });
});
