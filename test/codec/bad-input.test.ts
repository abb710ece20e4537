/**
 * Bad input, one case a test, each asserting its exact code. One codec serves them all and must still
 * round-trip at the end: bad bytes never break the process.
 */
import assert from 'node:assert/strict';
import { Codec } from '../../src/codec/index.js';
import { CodecError } from '../../src/errors/index.js';
import { Ingest, Result } from '../../src/messages/index.js';
import { makeFrame, measure, throwsCode } from './helpers.js';

const codec = new Codec();
const LZ4 = { 'Content-Type': 'application/msgpack', 'Content-Encoding': 'lz4' };
const JSON_CT = { 'Content-Type': 'application/json' };
const hex = (s: string) => Buffer.from(s.replace(/\s+/g, ''), 'hex');
const KEY_A = '81 a1 61'; // { a: ... }

describe('bad input: size and headers', () => {
  it('a body over maxBodyBytes is ERR_CODEC_TOO_LARGE before anything else', () => {
    const small = new Codec({ maxBodyBytes: 1024 });
    throwsCode(() => small.decodeValue(Buffer.alloc(1025, 0xc1), { 'Content-Type': 'text/bogus', 'Content-Encoding': 'gzip' }), 'ERR_CODEC_TOO_LARGE');
    throwsCode(() => small.decode(Ingest, Buffer.alloc(4096)), 'ERR_CODEC_TOO_LARGE');
    assert.deepEqual(small.decodeValue(codec.encodeValue({ a: 'x'.repeat(1000) }).body), { a: 'x'.repeat(1000) });
  });

  for (const type of ['text/plain', 'application/msgpackx', 'application/x-www-form-urlencoded', ';']) {
    it(`an unknown Content-Type (${type}) is ERR_CODEC_CONTENT_TYPE`, () => {
      throwsCode(() => codec.decodeValue(Buffer.from([0x80]), { 'content-type': type }), 'ERR_CODEC_CONTENT_TYPE');
    });
  }

  for (const enc of ['gzip', 'lz4, gzip', 'br', 'LZ5']) {
    it(`an unknown Content-Encoding (${enc}) is ERR_CODEC_CONTENT_ENCODING`, () => {
      throwsCode(() => codec.decodeValue(Buffer.from([0x80]), { 'Content-Encoding': enc }), 'ERR_CODEC_CONTENT_ENCODING');
    });
  }
});

describe('bad input: LZ4 frames', () => {
  const good = codec.encode(Ingest, { text: 'the quick brown fox jumps over the lazy dog. '.repeat(40) }, { compress: true }).body;

  it('a truncated frame is ERR_CODEC_LZ4 (every cut)', () => {
    for (let n = 0; n < good.length; n++) throwsCode(() => codec.decodeValue(good.subarray(0, n), LZ4), 'ERR_CODEC_LZ4');
  });

  const positions: [string, number, number][] = [
    ['magic', 0, 0x01], ['FLG version', 4, 0x80], ['FLG content-size flag', 4, 0x08], ['BD block size', 5, 0x10],
    ['content size', 8, 0x04], ['header checksum', 14, 0x20], ['block size, low bits', 15, 0x01],
    ['block size, uncompressed flag', 18, 0x80], ['block data', 30, 0x10], ['end mark', good.length - 8, 0x01],
    ['content checksum', good.length - 2, 0x40],
  ];
  for (const [where, at, bit] of positions) {
    it(`a bit flipped in the ${where} is ERR_CODEC_LZ4`, () => {
      const bad = Buffer.from(good);
      bad[at]! ^= bit;
      throwsCode(() => codec.decodeValue(bad, LZ4), 'ERR_CODEC_LZ4');
    });
  }

  it('every single bit flip of a small frame is ERR_CODEC_LZ4', () => {
    const small = codec.encode(Ingest, { text: 'hi' }, { compress: true }).body;
    for (let i = 0; i < small.length * 8; i++) {
      const bad = Buffer.from(small);
      bad[i >> 3]! ^= 1 << (i & 7);
      throwsCode(() => codec.decodeValue(bad, LZ4), 'ERR_CODEC_LZ4');
    }
  });

  it('a frame claiming a huge content size is ERR_CODEC_LZ4_TOO_LARGE, fast', () => {
    for (const size of [2 ** 40, 2 ** 53 + 2 ** 40, 64 * 1024 * 1024 + 1]) {
      const f = makeFrame({ contentSize: size, blocks: [{ data: Buffer.from('hello'), uncompressed: true }] });
      const { ms } = measure(() => throwsCode(() => codec.decodeValue(f, LZ4), 'ERR_CODEC_LZ4_TOO_LARGE'));
      assert.ok(ms < 50, `${ms} ms`);
    }
  });

  it('a frame whose block bound exceeds maxDecodedBytes is ERR_CODEC_LZ4_TOO_LARGE before decompressing', () => {
    // 17 compressed blocks of 20000 bytes, each may inflate to 4 MiB: 68 MiB > 64 MiB.
    const blocks = Array.from({ length: 17 }, () => ({ data: Buffer.alloc(20_000, 0x11) }));
    const f = makeFrame({ blocks });
    const { ms, grewBytes } = measure(() => throwsCode(() => codec.decodeValue(f, LZ4), 'ERR_CODEC_LZ4_TOO_LARGE'));
    assert.ok(ms < 50, `${ms} ms`);
    assert.ok(grewBytes < 4 * 1024 * 1024, `heap grew ${grewBytes} bytes`);
    // Under a small limit one 100-byte compressed block (up to 25500 bytes) is already too much.
    throwsCode(() => new Codec({ maxDecodedBytes: 1024 }).decodeValue(makeFrame({ blocks: [{ data: Buffer.alloc(100) }] }), LZ4), 'ERR_CODEC_LZ4_TOO_LARGE');
  });

  it('a frame that decodes past maxDecodedBytes is ERR_CODEC_LZ4_TOO_LARGE', () => {
    const e = codec.encode(Ingest, { text: 'z'.repeat(50_000) }, { compress: true });
    throwsCode(() => new Codec({ maxDecodedBytes: 10_000 }).decodeValue(e.body, e.headers), 'ERR_CODEC_LZ4_TOO_LARGE');
  });

  it('trailing bytes or a second frame after the frame are ERR_CODEC_LZ4', () => {
    throwsCode(() => codec.decodeValue(Buffer.concat([good, Buffer.from([0])]), LZ4), 'ERR_CODEC_LZ4');
    throwsCode(() => codec.decodeValue(Buffer.concat([good, good]), LZ4), 'ERR_CODEC_LZ4');
  });

  it('skippable and legacy frames, and plain bytes labelled lz4, are ERR_CODEC_LZ4', () => {
    throwsCode(() => codec.decodeValue(hex('502a4d18 04000000 deadbeef'), LZ4), 'ERR_CODEC_LZ4');
    throwsCode(() => codec.decodeValue(hex('02214c18 05000000 5068656c6c6f'), LZ4), 'ERR_CODEC_LZ4');
    throwsCode(() => codec.decodeValue(codec.encodeValue({ a: 1 }).body, LZ4), 'ERR_CODEC_LZ4');
  });

  it('a block larger than the block maximum, or fewer bytes than declared, is ERR_CODEC_LZ4', () => {
    throwsCode(() => codec.decodeValue(makeFrame({ blockSizeIndex: 4, blocks: [{ data: Buffer.alloc(65_537), uncompressed: true }] }), LZ4), 'ERR_CODEC_LZ4');
    throwsCode(() => codec.decodeValue(makeFrame({ contentSize: 100, blocks: [{ data: Buffer.alloc(50), uncompressed: true }] }), LZ4), 'ERR_CODEC_LZ4');
    const literals = Buffer.from([0x50, 0x68, 0x65, 0x6c, 0x6c, 0x6f]); // "hello", declared as 100 bytes
    throwsCode(() => codec.decodeValue(makeFrame({ contentSize: 100, blocks: [{ data: literals }] }), LZ4), 'ERR_CODEC_LZ4');
  });

  it('a compressed block that is not valid LZ4 is ERR_CODEC_LZ4', () => {
    const garbage = Buffer.from([0xff, 0xff, 0xff, 0x00, 0x00, 0xff, 0x10]);
    throwsCode(() => codec.decodeValue(makeFrame({ blocks: [{ data: garbage }] }), LZ4), 'ERR_CODEC_LZ4');
  });
});

describe('bad input: msgpack', () => {
  const bombs: [string, string][] = [
    ['top-level array32 of 20M (dd 01 31 2d 00)', 'dd 01 31 2d 00'],
    ['array32 of 20M in a map', `${KEY_A} dd 01 31 2d 00`],
    ['str32 of 2 GiB', `${KEY_A} db 7f ff ff ff`],
    ['bin32 of 4 GiB', `${KEY_A} c6 ff ff ff ff`],
    ['top-level map32 of 2G entries', 'df 7f ff ff ff'],
    ['map32 of 20M in a map', `${KEY_A} df 01 31 2d 00`],
    ['array16 of 65535 in a map', `${KEY_A} dc ff ff`],
    ['str32 key of 4 GiB', 'df 00 00 00 01 db ff ff ff ff'],
  ];
  for (const [name, bytes] of bombs) {
    it(`the length bomb ${name} is ERR_CODEC_MSGPACK, fast and without allocating`, () => {
      const body = hex(bytes);
      throwsCode(() => codec.decodeValue(body), 'ERR_CODEC_MSGPACK');
      const { ms, grewBytes } = measure(() => {
        for (let i = 0; i < 100; i++) assert.throws(() => codec.decodeValue(body), CodecError);
      });
      assert.ok(ms < 50, `${ms} ms for 100 tries`);
      assert.ok(grewBytes < 4 * 1024 * 1024, `heap grew ${grewBytes} bytes`);
    });
  }

  it('arrays nested 100000 deep are ERR_CODEC_DEPTH, without overflowing the stack', () => {
    const body = Buffer.concat([hex(KEY_A), Buffer.alloc(100_000, 0x91), Buffer.from([0xc0])]);
    const { ms } = measure(() => throwsCode(() => codec.decodeValue(body), 'ERR_CODEC_DEPTH'));
    assert.ok(ms < 50, `${ms} ms`);
    throwsCode(() => new Codec({ maxDepth: 1000 }).decodeValue(body), 'ERR_CODEC_DEPTH');
  });

  it('maps nested 100000 deep are ERR_CODEC_DEPTH', () => {
    const body = Buffer.concat([Buffer.from(KEY_A.replace(/ /g, '').repeat(100_000), 'hex'), Buffer.from([0x80])]);
    throwsCode(() => codec.decodeValue(body), 'ERR_CODEC_DEPTH');
  });

  it('depth counts the top-level map and empty containers: maxDepth is inclusive', () => {
    const c = new Codec({ maxDepth: 3 });
    assert.deepEqual(c.decodeValue(hex(`${KEY_A} 91 91 01`)), { a: [[1]] });
    throwsCode(() => c.decodeValue(hex(`${KEY_A} 91 91 91 01`)), 'ERR_CODEC_DEPTH');
    throwsCode(() => c.decodeValue(hex(`${KEY_A} 91 91 90`)), 'ERR_CODEC_DEPTH');
  });

  it('the reserved byte 0xc1 is ERR_CODEC_MSGPACK', () => {
    throwsCode(() => codec.decodeValue(hex(`${KEY_A} c1`)), 'ERR_CODEC_MSGPACK');
    throwsCode(() => codec.decodeValue(hex('c1')), 'ERR_CODEC_MSGPACK');
    throwsCode(() => codec.decodeValue(hex('81 c1 01')), 'ERR_CODEC_MSGPACK');
  });

  const exts: [string, string][] = [
    ['fixext1', 'd4 01 00'], ['fixext2', 'd5 01 0000'], ['fixext4', 'd6 01 00000000'], ['fixext8', 'd7 01 0000000000000000'],
    ['fixext16', 'd8 01 00000000000000000000000000000000'], ['ext8', 'c7 01 05 00'], ['ext16', 'c8 0001 05 00'],
    ['ext32', 'c9 00000001 05 00'], ['timestamp32', 'd6 ff 00000000'], ['msgpackr record', 'd4 72 40'], ['undefined (fixext 0)', 'd4 00 00'],
  ];
  for (const [name, bytes] of exts) {
    it(`the extension type ${name} is ERR_CODEC_MSGPACK`, () => {
      throwsCode(() => codec.decodeValue(hex(`${KEY_A} ${bytes}`)), 'ERR_CODEC_MSGPACK');
    });
  }

  const badUtf8: [string, string][] = [
    ['an invalid byte', `${KEY_A} a2 c3 28`], ['an overlong NUL', `${KEY_A} a2 c0 80`], ['an encoded surrogate', `${KEY_A} a3 ed a0 80`],
    ['a cut sequence', `${KEY_A} a2 61 e2`], ['a key', '81 a2 ff fe 01'], ['a long str', `${KEY_A} d9 40 ${'61'.repeat(63)}ff`],
  ];
  for (const [name, bytes] of badUtf8) {
    it(`invalid UTF-8 in a str (${name}) is ERR_CODEC_UTF8`, () => {
      throwsCode(() => codec.decodeValue(hex(bytes)), 'ERR_CODEC_UTF8');
    });
  }

  for (const [name, key] of [['an integer', '01'], ['nil', 'c0'], ['bin', 'c4 01 61'], ['an array', '90'], ['a map', '80']] as const) {
    it(`a map key that is ${name} is ERR_CODEC_MSGPACK`, () => {
      throwsCode(() => codec.decodeValue(hex(`81 ${key} 01`)), 'ERR_CODEC_MSGPACK');
    });
  }

  it('trailing bytes, a second value, or no value are ERR_CODEC_MSGPACK', () => {
    throwsCode(() => codec.decodeValue(hex('80 00')), 'ERR_CODEC_MSGPACK');
    throwsCode(() => codec.decodeValue(hex('80 80')), 'ERR_CODEC_MSGPACK');
    throwsCode(() => codec.decodeValue(new Uint8Array(0)), 'ERR_CODEC_MSGPACK');
  });

  for (const [name, bytes] of [['an array', '91 01'], ['an integer', '05'], ['a string', 'a1 61'], ['nil', 'c0']] as const) {
    it(`a top-level value that is ${name} is ERR_CODEC_MSGPACK`, () => {
      throwsCode(() => codec.decodeValue(hex(bytes), { 'Content-Type': 'application/msgpack' }), 'ERR_CODEC_MSGPACK');
    });
  }

  it('every strict prefix of a valid body is ERR_CODEC_MSGPACK', () => {
    const body = codec.encode(Result, { docId: 'd', status: 'failed', error: { code: 'E', message: 'm', details: [1, { x: 'y' }] }, at: 'now' }).body;
    for (let n = 1; n < body.length; n++) throwsCode(() => codec.decodeValue(body.subarray(0, n)), 'ERR_CODEC_MSGPACK');
  });

  it('a __proto__ key is ERR_CODEC_MSGPACK and pollutes nothing; a constructor key is an own property', () => {
    throwsCode(() => codec.decodeValue(hex(`81 a9 ${Buffer.from('__proto__').toString('hex')} 81 a1 70 c3`)), 'ERR_CODEC_MSGPACK');
    const v = codec.decodeValue(hex(`81 ab ${Buffer.from('constructor').toString('hex')} 81 a1 70 c3`)) as Record<string, unknown>;
    assert.ok(Object.hasOwn(v, 'constructor'));
    assert.equal(({} as Record<string, unknown>)['p'], undefined);
  });

  it('wrong field types in msgpack are ERR_CODEC_SCHEMA', () => {
    const body = codec.encodeValue({ text: 'x', priority: 5 }).body;
    const err = throwsCode(() => codec.decode(Ingest, body), 'ERR_CODEC_SCHEMA');
    assert.deepEqual(err.details, [{ path: '/priority', message: 'Expected union value' }]);
  });
});

describe('bad input: JSON', () => {
  it('invalid UTF-8 in a JSON body is ERR_CODEC_UTF8 (declared or sniffed)', () => {
    const body = Buffer.concat([Buffer.from('{"text":"'), Buffer.from([0xff, 0xfe]), Buffer.from('"}')]);
    throwsCode(() => codec.decode(Ingest, body, JSON_CT), 'ERR_CODEC_UTF8');
    throwsCode(() => codec.decode(Ingest, body), 'ERR_CODEC_UTF8');
  });

  it('a lone surrogate escape is ERR_CODEC_UTF8', () => {
    throwsCode(() => codec.decodeValue(Buffer.from('{"text":"\\ud800"}')), 'ERR_CODEC_UTF8');
  });

  for (const text of ['{"a":', '{"a":1}x', '{a:1}', '', '{"a":1,}']) {
    it(`invalid JSON ${JSON.stringify(text)} is ERR_CODEC_JSON`, () => {
      throwsCode(() => codec.decodeValue(Buffer.from(text), JSON_CT), 'ERR_CODEC_JSON');
    });
  }

  for (const text of ['[1,2]', 'null', '1', '"s"', 'true']) {
    it(`a JSON body that is not an object (${text}) is ERR_CODEC_JSON`, () => {
      throwsCode(() => codec.decodeValue(Buffer.from(text), JSON_CT), 'ERR_CODEC_JSON');
    });
  }

  it('arrays and objects nested 100000 deep are ERR_CODEC_DEPTH, without overflowing the stack', () => {
    throwsCode(() => codec.decodeValue(Buffer.from(`{"a":${'['.repeat(100_000)}${']'.repeat(100_000)}}`)), 'ERR_CODEC_DEPTH');
    throwsCode(() => codec.decodeValue(Buffer.from(`${'{"a":'.repeat(100_000)}1${'}'.repeat(100_000)}`)), 'ERR_CODEC_DEPTH');
  });

  it('a __proto__ key is ERR_CODEC_JSON and pollutes nothing; a constructor key is an own property', () => {
    throwsCode(() => codec.decodeValue(Buffer.from('{"__proto__":{"polluted":true}}')), 'ERR_CODEC_JSON');
    throwsCode(() => codec.decodeValue(Buffer.from('{"a":[{"__proto__":{"polluted":true}}]}')), 'ERR_CODEC_JSON');
    const v = codec.decodeValue(Buffer.from('{"constructor":{"prototype":{"polluted":true}}}')) as Record<string, unknown>;
    assert.ok(Object.hasOwn(v, 'constructor'));
    assert.equal(({} as Record<string, unknown>)['polluted'], undefined);
  });

  it('wrong field types are ERR_CODEC_SCHEMA with every path in details', () => {
    const body = Buffer.from(JSON.stringify({ priority: 5, metadata: { a: { b: 1 } }, text: 'x', uri: 'y' }));
    const err = throwsCode(() => codec.decode(Ingest, body, JSON_CT), 'ERR_CODEC_SCHEMA');
    const paths = (err.details as { path: string }[]).map((d) => d.path);
    assert.ok(paths.includes('/priority') && paths.includes('/metadata/a'), paths.join(', '));
    assert.match(err.message, /^invalid ingest message: .*\/metadata\/a.*\/priority|^invalid ingest message: .*\/priority.*\/metadata\/a/);
  });

  it('text and uri both given is ERR_CODEC_SCHEMA (refine)', () => {
    const err = throwsCode(() => codec.decode(Ingest, Buffer.from('{"text":"x","uri":"file:///a"}')), 'ERR_CODEC_SCHEMA');
    assert.deepEqual(err.details, [{ path: '/', message: 'exactly one of text, data, uri is required (got text, uri)' }]);
  });

  for (const data of ['abc', 'ab$=', 'a===', 'aGVsbG8', 'aGVs bG8=', 'aGVsbG8=\n']) {
    it(`wrong base64 ${JSON.stringify(data)} in a bytes field is ERR_CODEC_SCHEMA`, () => {
      const err = throwsCode(() => codec.decode(Ingest, Buffer.from(JSON.stringify({ data }))), 'ERR_CODEC_SCHEMA');
      assert.equal((err.details as { path: string }[])[0]!.path, '/data');
    });
  }

  it('a bytes field that is not a string, or an unknown field, is ERR_CODEC_SCHEMA', () => {
    throwsCode(() => codec.decode(Ingest, Buffer.from('{"data":5}')), 'ERR_CODEC_SCHEMA');
    throwsCode(() => codec.decode(Ingest, Buffer.from('{"text":"x","colour":"red"}')), 'ERR_CODEC_SCHEMA');
  });

  it('schema details are bounded to 20', () => {
    const metadata = Object.fromEntries(Array.from({ length: 100 }, (_, i) => [`k${i}`, { bad: i }]));
    const err = throwsCode(() => codec.decode(Ingest, Buffer.from(JSON.stringify({ text: 'x', metadata }))), 'ERR_CODEC_SCHEMA');
    assert.equal((err.details as unknown[]).length, 20);
    assert.match(err.message, /and more/);
  });
});

describe('after all the bad input', () => {
  it('the same codec still round-trips every way', () => {
    const msg = { id: 'still-ok', text: 'still serving '.repeat(3000), metadata: { n: 1 } };
    for (const format of ['msgpack', 'json'] as const) {
      for (const compress of [true, false]) {
        const e = codec.encode(Ingest, msg, { format, compress });
        assert.deepStrictEqual(codec.decode(Ingest, e.body, e.headers), msg);
      }
    }
  });
});
