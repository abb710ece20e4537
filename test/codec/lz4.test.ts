import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Codec, inspectFrame } from '../../src/codec/index.js';
import { xxh32 } from '../../src/codec/xxh32.js';
import { Ingest } from '../../src/messages/index.js';
import { lz4Cli, makeFrame } from './helpers.js';

/** Real-looking text of `n` bytes, compressible but not trivially. */
function prose(n: number): string {
  const words = ['frame', 'block', 'stream', 'docflow', 'message', 'codec', 'actor', 'nats', 'schema', 'chunk', 'index', 'embed'];
  const out: string[] = [];
  let len = 0;
  for (let i = 0; len < n; i++) {
    const w = words[(i * 7 + (i >> 3)) % words.length]! + (i % 13 === 0 ? `-${i}.\n` : ' ');
    out.push(w);
    len += w.length;
  }
  return out.join('').slice(0, n);
}

describe('xxh32', () => {
  it('matches the reference vectors', () => {
    assert.equal(xxh32(new Uint8Array(0)), 0x02cc5d05);
    assert.equal(xxh32(Buffer.from('a')), 0x550d7456);
    assert.equal(xxh32(Buffer.from('abc')), 0x32d153ff);
    assert.equal(xxh32(Buffer.from('Nobody inspects the spammish repetition')), 0xe2293b2f);
  });
});

describe('LZ4 interop with the lz4 command line', () => {
  const codec = new Codec();
  const msg = { id: 'interop', text: prose(300_000), metadata: { source: 'test' } };
  const plain = codec.encode(Ingest, msg, { compress: false }).body;

  it('our frames decompress with `lz4 -d` to the plain body', () => {
    const enc = codec.encode(Ingest, msg, { compress: true });
    assert.equal(enc.headers['Content-Encoding'], 'lz4');
    assert.deepEqual(lz4Cli(['-d', '-c'], enc.body), Buffer.from(plain));
    const small = codec.encode(Ingest, { text: 'x' }, { compress: true });
    assert.deepEqual(lz4Cli(['-d', '-c'], small.body), Buffer.from(codec.encode(Ingest, { text: 'x' }, { compress: false }).body));
  });

  const variants: [string, string[]][] = [
    ['defaults (4 MiB blocks, content checksum)', ['-c']],
    ['64 KiB linked blocks', ['-c', '-B4', '-BD']],
    ['256 KiB blocks with block checksums', ['-c', '-B5', '-BX']],
    ['no content checksum', ['-c', '--no-frame-crc']],
    ['high compression', ['-c', '-9']],
  ];
  for (const [name, args] of variants) {
    it(`decodes frames written by \`lz4 ${args.join(' ')}\` (${name})`, () => {
      const frame = lz4Cli(args, plain);
      assert.equal(frame.readUInt32LE(0), 0x184d2204);
      assert.deepStrictEqual(codec.decode(Ingest, frame, { 'Content-Type': 'application/msgpack', 'Content-Encoding': 'lz4' }), msg);
    });
  }

  it('decodes a frame with a declared content size (`lz4 --content-size` of a file)', () => {
    const dir = mkdtempSync(join(tmpdir(), 'docflow-codec-'));
    try {
      const file = join(dir, 'body.msgpack');
      writeFileSync(file, plain);
      const frame = lz4Cli(['-c', '--content-size', file]);
      assert.ok(frame[4]! & 0x08, 'the frame declares its content size');
      assert.equal(inspectFrame(frame, 1 << 30).contentSize, plain.length);
      assert.deepStrictEqual(codec.decode(Ingest, frame, { 'content-encoding': 'LZ4' }), msg);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('decodes a JSON body compressed by the lz4 command line', () => {
    const json = codec.encode(Ingest, msg, { format: 'json', compress: false }).body;
    const frame = lz4Cli(['-c'], json);
    assert.deepStrictEqual(codec.decode(Ingest, frame, { 'Content-Type': 'application/json', 'Content-Encoding': 'lz4' }), msg);
  });
});

describe('LZ4 frame inspection', () => {
  it('bounds by the declared content size when there is one', () => {
    const f = makeFrame({ contentSize: 5, blocks: [{ data: Buffer.from('hello'), uncompressed: true }] });
    assert.deepEqual(inspectFrame(f, 100), { contentSize: 5, bound: 5, blockMaxBytes: 4 << 20 });
  });

  it('bounds uncompressed blocks exactly and compressed ones by min(block max, 255 × size)', () => {
    const f = makeFrame({
      blockSizeIndex: 4,
      blocks: [{ data: Buffer.alloc(10), uncompressed: true }, { data: Buffer.alloc(100) }, { data: Buffer.alloc(1000) }],
    });
    assert.deepEqual(inspectFrame(f, 1 << 30), { contentSize: undefined, bound: 10 + 25_500 + 65_536, blockMaxBytes: 65_536 });
  });

  it('decodes a hand-made frame of one literal-only compressed block', () => {
    const msgpack = Buffer.from([0x81, 0xa4, 0x74, 0x65, 0x78, 0x74, 0xa1, 0x78]); // { text: 'x' }
    const block = Buffer.concat([Buffer.from([msgpack.length << 4]), msgpack]); // token: 8 literals, no match
    const frame = makeFrame({ blocks: [{ data: block }] });
    assert.deepEqual(new Codec().decode(Ingest, frame, { 'Content-Encoding': 'lz4' }), { text: 'x' });
  });
});
