import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { Codec, type Encoded, type Format } from '../../src/codec/index.js';
import { DeadLetter, ErrorReply, Ingest, Result, StatusReply, StatusRequest, TuneRequest, type MessageKind } from '../../src/messages/index.js';
import { oddCase } from './helpers.js';

const AT = '2024-05-01T12:00:00.000Z';

/** One valid message of every kind in src/messages. */
const SAMPLES: [MessageKind, Record<string, unknown>][] = [
  [Ingest, { id: 'doc-1', text: 'héllo wörld ✓ 🎉', metadata: { lang: 'en', pages: 3, draft: false }, priority: 'high', collection: 'docs' }],
  [Ingest, { data: Buffer.from([0, 1, 2, 255, 254]), mime: 'application/octet-stream' }],
  [Ingest, { uri: 'file:///srv/docs/a.pdf', priority: 'low' }],
  [Result, { docId: 'doc-1', status: 'failed', stage: 'embed', error: { code: 'ERR_X', message: 'boom', retryable: true, details: { n: [1, 2, { x: null }] } }, attempt: 2, elapsedMs: 12.5, at: AT }],
  [Result, { docId: 'doc-1', status: 'indexed', chunks: 42, at: AT, extra: 'kept: additional properties are allowed' }],
  [DeadLetter, { stage: 'split', subject: 'docflow.ingest', docId: 'doc-1', error: { code: 'ERR_CODEC_SCHEMA', message: 'bad' }, attempt: 3, original: Buffer.from('{"x":1}'), originalHeaders: { 'Content-Type': 'application/json' }, at: AT }],
  [ErrorReply, { error: { code: 'ERR_TRANSPORT_TIMEOUT', message: 'no reply', retryable: true } }],
  [StatusRequest, { verbose: true }],
  [StatusRequest, {}],
  [
    StatusReply,
    {
      version: '0.1.0',
      uptimeMs: 1234,
      stages: [{ name: 'load', state: 'running', restarts: 0, inFlight: 1, pending: 2, processed: 3, failed: 0, rate: 1.5 }],
      memory: { level: 'ok', rssBytes: 1e8, heapUsedBytes: 5e7 },
      cache: { l1: { hits: 1, misses: 2 } },
      nats: { server: 'nats://127.0.0.1:4222', jetstream: true },
      streams: [{ name: 'INGEST', messages: 10, bytes: 2048 }],
    },
  ],
  [TuneRequest, { stage: 'embed', settings: { concurrency: 4, mode: 'fast', enabled: true } }],
];

const COMBOS: { format: Format; compress: boolean }[] = [
  { format: 'msgpack', compress: false },
  { format: 'msgpack', compress: true },
  { format: 'json', compress: false },
  { format: 'json', compress: true },
];

describe('codec round trips', () => {
  const codec = new Codec();

  for (const [kind, msg] of SAMPLES) {
    for (const { format, compress } of COMBOS) {
      it(`${kind.name} ${JSON.stringify(Object.keys(msg))} as ${format}${compress ? ' + lz4' : ''}`, () => {
        const enc = codec.encode(kind, msg as never, { format, compress });
        const expected: Record<string, string> = { 'Content-Type': `application/${format}` };
        if (compress) expected['Content-Encoding'] = 'lz4';
        assert.deepEqual(enc.headers, expected);
        for (const how of ['lower', 'upper', 'mixed'] as const) {
          assert.deepStrictEqual(codec.decode(kind, enc.body, oddCase(enc.headers, how)), msg);
        }
      });
    }
  }

  it('sniffs the format when there are no headers at all (msgpack, JSON with leading spaces)', () => {
    const msg = { id: 'x', text: 'hi' };
    const packed = codec.encode(Ingest, msg);
    assert.deepStrictEqual(codec.decode(Ingest, packed.body), msg);
    assert.deepStrictEqual(codec.decode(Ingest, packed.body, null), msg);
    assert.deepStrictEqual(codec.decode(Ingest, packed.body, {}), msg);
    const json = Buffer.from(' \n\t{"id":"x","text":"hi"}');
    assert.deepStrictEqual(codec.decode(Ingest, json), msg);
    assert.deepStrictEqual(codec.decode(Ingest, json, { 'content-type': undefined }), msg);
  });

  it('tolerates media-type parameters and identity encoding', () => {
    const body = Buffer.from('{"docId":"a","status":"accepted","at":"x"}');
    const r = codec.decode(Result, body, { 'content-type': 'Application/JSON; charset=utf-8', 'content-encoding': 'identity' });
    assert.equal(r.docId, 'a');
  });

  it('decodes JSON bytes fields from base64 and writes them as base64', () => {
    const enc = codec.encode(Ingest, { data: Buffer.from('hello') }, { format: 'json' });
    assert.equal(Buffer.from(enc.body).toString(), '{"data":"aGVsbG8="}');
    const back = codec.decode(Ingest, Buffer.from('{"data":"aGVsbG8="}'), { 'Content-Type': 'application/json' });
    assert.ok(back.data instanceof Uint8Array);
    assert.equal(Buffer.from(back.data).toString(), 'hello');
  });

  it('writes bytes as msgpack bin and decodes them as views of the body, not copies', () => {
    const data = randomBytes(1000);
    const enc = codec.encode(Ingest, { data }, { compress: false });
    const back = codec.decode(Ingest, enc.body, enc.headers);
    assert.ok(back.data instanceof Uint8Array);
    assert.equal(back.data.buffer, enc.body.buffer, 'the decoded bytes share the body buffer');
    assert.deepEqual(Buffer.from(back.data), data);
  });

  it('encodes Dates as ISO strings, never as the msgpack timestamp extension', () => {
    const when = new Date('2024-01-02T03:04:05.678Z');
    const enc = codec.encodeValue({ at: when, nested: [when] });
    assert.ok(!Buffer.from(enc.body).includes(Buffer.from([0xd6, 0xff])) && !Buffer.from(enc.body).includes(Buffer.from([0xd7, 0xff])));
    assert.deepEqual(codec.decodeValue(enc.body, enc.headers), { at: when.toISOString(), nested: [when.toISOString()] });
    assert.deepEqual(codec.decodeValue(codec.encodeValue({ at: when }, { format: 'json' }).body), { at: when.toISOString() });
  });

  it('omits undefined fields (as JSON does) and keeps integers as integers', () => {
    const value = { a: undefined, n: 5, big: 2 ** 40, neg: -3, bigNeg: -(2 ** 40), max: Number.MAX_SAFE_INTEGER, half: 2.5, negZero: -0 };
    const enc = codec.encodeValue(value);
    const { a: _, ...rest } = value;
    // -0 becomes 0, as in JSON.
    assert.deepStrictEqual(codec.decodeValue(enc.body), { ...rest, negZero: 0 });
    const body = Buffer.from(enc.body);
    // 5 is a positive fixint, -3 a negative fixint, ±2^40 a uint64/int64: no floats for integers.
    assert.ok(body.includes(Buffer.from([0xa1, 0x6e, 0x05])));
    assert.ok(body.includes(Buffer.from([0xa3, 0x62, 0x69, 0x67, 0xcf, 0, 0, 0x01, 0, 0, 0, 0, 0])));
    assert.ok(body.includes(Buffer.from([0xd3, 0xff, 0xff, 0xff, 0, 0, 0, 0, 0])));
    assert.ok(body.includes(Buffer.from([0xcf, 0, 0x1f, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff])));
    assert.ok(body.includes(Buffer.from([0xa4, 0x68, 0x61, 0x6c, 0x66, 0xcb])), '2.5 stays a float64');
    assert.ok(!body.includes(Buffer.from([0xa1, 0x61])), 'the undefined field is left out');
  });

  it('writes a Set as an array and never emits an extension type', () => {
    const enc = codec.encodeValue({ s: new Set([1, 2]), bytes: new Uint16Array([1]), err: new Error('x') });
    assert.deepEqual(codec.decodeValue(enc.body), { s: [1, 2], bytes: Buffer.from([1, 0]), err: ['Error', 'x', null] });
  });

  it('a Date in a string field fails the schema before anything is sent', () => {
    assert.throws(() => codec.encode(Result, { docId: 'a', status: 'accepted', at: new Date() as never }), { code: 'ERR_CODEC_SCHEMA' });
  });

  it('refuses to encode a message that fails its schema or refine', () => {
    assert.throws(() => codec.encode(Ingest, { text: 'a', uri: 'b' }), { code: 'ERR_CODEC_SCHEMA' });
    assert.throws(() => codec.encode(Ingest, { text: 'a', priority: 'urgent' as never }), { code: 'ERR_CODEC_SCHEMA' });
  });

  it('refuses to encode what it would refuse to decode (extensions, too deep)', () => {
    assert.throws(() => codec.encodeValue({ bad: new Date(Number.NaN) }), { code: 'ERR_CODEC_MSGPACK' });
    let deep: unknown = 1;
    for (let i = 0; i < 70; i++) deep = [deep];
    assert.throws(() => codec.encodeValue({ deep }), { code: 'ERR_CODEC_DEPTH' });
    assert.throws(() => codec.encodeValue({ deep }, { format: 'json' }), { code: 'ERR_CODEC_DEPTH' });
    assert.throws(() => codec.encodeValue([1, 2]), { code: 'ERR_CODEC_MSGPACK' });
    assert.throws(() => codec.encodeValue([1, 2], { format: 'json' }), { code: 'ERR_CODEC_JSON' });
    assert.throws(() => codec.encodeValue({ n: 1n }, { format: 'json' }), { code: 'ERR_CODEC_JSON' });
  });

  it('unknown kinds are refused with ERR_CODEC_UNKNOWN_KIND', () => {
    assert.throws(() => codec.decode({} as never, Buffer.from([0x80])), { code: 'ERR_CODEC_UNKNOWN_KIND' });
    assert.throws(() => codec.encode(null as never, {} as never), { code: 'ERR_CODEC_UNKNOWN_KIND' });
  });
});

describe('codec compression rules', () => {
  const text = (n: number) => 'All work and no play makes Jack a dull boy. '.repeat(Math.ceil(n / 44)).slice(0, n);
  const isLz4 = (e: Encoded) => e.headers['Content-Encoding'] === 'lz4';

  it('sends bodies under compressMinBytes plain', () => {
    const codec = new Codec({ compressMinBytes: 4096 });
    const e = codec.encode(Ingest, { text: text(3000) });
    assert.ok(!isLz4(e));
    assert.ok(e.body.length < 4096);
  });

  it('compresses compressible bodies at or above compressMinBytes', () => {
    const codec = new Codec({ compressMinBytes: 4096 });
    const plain = codec.encode(Ingest, { text: text(8000) }, { compress: false });
    const e = codec.encode(Ingest, { text: text(8000) });
    assert.ok(isLz4(e));
    assert.ok(e.body.length < plain.body.length * 0.9);
    assert.deepEqual(codec.decode(Ingest, e.body, e.headers), { text: text(8000) });
  });

  it('the threshold is inclusive: exactly compressMinBytes is compressed', () => {
    const probe = new Codec().encode(Ingest, { text: text(5000) }, { compress: false }).body.length;
    assert.ok(isLz4(new Codec({ compressMinBytes: probe }).encode(Ingest, { text: text(5000) })));
    assert.ok(!isLz4(new Codec({ compressMinBytes: probe + 1 }).encode(Ingest, { text: text(5000) })));
  });

  it('sends incompressible data above the threshold plain (ratio rule)', () => {
    const codec = new Codec({ compressMinBytes: 1024 });
    const data = randomBytes(64 * 1024);
    const e = codec.encode(Ingest, { data });
    assert.ok(!isLz4(e), 'random bytes do not compress to 0.9');
    assert.deepEqual(e.headers, { 'Content-Type': 'application/msgpack' });
    assert.deepEqual(Buffer.from(codec.decode(Ingest, e.body, e.headers).data!), data);
  });

  it('keeps LZ4 only when compressed/plain <= compressMaxRatio', () => {
    // Half random, half repeated: compresses to a bit over half the size.
    const data = Buffer.concat([randomBytes(8192), Buffer.alloc(8192, 7)]);
    assert.ok(isLz4(new Codec({ compressMinBytes: 0, compressMaxRatio: 0.9 }).encode(Ingest, { data })));
    assert.ok(!isLz4(new Codec({ compressMinBytes: 0, compressMaxRatio: 0.3 }).encode(Ingest, { data })));
  });

  it('compress: true forces LZ4 and compress: false forbids it', () => {
    const codec = new Codec();
    assert.ok(isLz4(codec.encode(Ingest, { text: 'tiny' }, { compress: true })));
    assert.ok(isLz4(codec.encode(Ingest, { data: randomBytes(100) }, { compress: true })));
    assert.ok(!isLz4(codec.encode(Ingest, { text: text(100_000) }, { compress: false })));
  });

  it('declares the content size, so a frame decodes under a small maxDecodedBytes', () => {
    const codec = new Codec({ maxDecodedBytes: 20_000, compressMinBytes: 0 });
    const e = codec.encode(Ingest, { text: text(15_000) });
    assert.ok(isLz4(e));
    assert.equal(codec.decode(Ingest, e.body, e.headers).text, text(15_000));
  });
});
