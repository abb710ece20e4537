/**
 * LZ4 frame decompression in JavaScript, into one buffer allocated up front at the frame's bound.
 *
 * Why not lz4-napi's `decompressFrameSync`: in lz4-napi 2.10 it leaks the native memory of its
 * output on every call (the process's RSS grows by each decoded size and never shrinks; found by
 * test/fuzz: 300 decodes of 1 MiB left +310 MiB of RSS after GC), so a stream of compressed messages
 * grows a consumer without bound. Its block functions and `compressFrameSync` do not leak.
 *
 * Decoding here also keeps every bound exact: nothing is written past the frame's bound (itself at
 * most `maxDecodedBytes`), matches may reach into earlier blocks (linked-block frames), and the
 * block and content checksums are verified.
 */
import { CodecError } from '../errors/index.js';
import type { FrameLayout } from './lz4-frame.js';
import { xxh32 } from './xxh32.js';

const FLG_BLOCK_CHECKSUM = 0x10;
const FLG_CONTENT_SIZE = 0x08;
const FLG_CONTENT_CHECKSUM = 0x04;
const UNCOMPRESSED_BIT = 0x80000000;
/** Below this many bytes a loop copies faster than `set`/`copyWithin` (they cost a call each). */
const SHORT_COPY = 16;

const bad = (message: string): CodecError => new CodecError('ERR_CODEC_LZ4', `LZ4 frame does not decompress: ${message}`);
const u32 = (b: Uint8Array, i: number): number => (b[i]! | (b[i + 1]! << 8) | (b[i + 2]! << 16) | (b[i + 3]! << 24)) >>> 0;

/** Read an LZ4 length continuation (bytes of 255 add up until one is not). */
function extendLength(src: Uint8Array, i: number, base: number): { len: number; next: number } {
  let len = base;
  let b: number;
  do {
    if (i >= src.length) throw bad('a length runs past the end of its block');
    b = src[i++]!;
    len += b;
  } while (b === 255);
  return { len, next: i };
}

/** Repeat the `offset` bytes before `o` for `len` bytes (overlapping match), doubling each copy. */
function copyMatch(out: Uint8Array, o: number, offset: number, len: number): void {
  if (len <= SHORT_COPY) {
    for (let k = 0; k < len; k++) out[o + k] = out[o + k - offset]!;
    return;
  }
  // Copies stay a whole number of periods long, so each can take its source from the pattern's start.
  let copied = 0;
  let chunk = offset;
  while (copied < len) {
    const n = Math.min(chunk, len - copied);
    out.copyWithin(o + copied, o - offset, o - offset + n);
    copied += n;
    chunk = copied + offset;
  }
}

/** Decode one compressed block into `out` at `o`, writing nothing at or past `end`; returns the new end. */
function decodeBlock(src: Uint8Array, out: Uint8Array, o: number, end: number): number {
  let i = 0;
  const n = src.length;
  while (i < n) {
    const token = src[i++]!;
    let lit = token >>> 4;
    if (lit === 15) ({ len: lit, next: i } = extendLength(src, i, lit));
    if (i + lit > n) throw bad('literals run past the end of their block');
    if (o + lit > end) throw bad('it decodes past its declared or bounded size');
    if (lit <= SHORT_COPY) for (let k = 0; k < lit; k++) out[o + k] = src[i + k]!;
    else out.set(src.subarray(i, i + lit), o);
    i += lit;
    o += lit;
    if (i === n) return o; // the last sequence of a block is literals only
    if (i + 2 > n) throw bad('a match offset is cut off');
    const offset = src[i]! | (src[i + 1]! << 8);
    i += 2;
    if (offset === 0 || offset > o) throw bad(`a match reaches ${offset} bytes back, before the start of the data`);
    let match = token & 15;
    if (match === 15) ({ len: match, next: i } = extendLength(src, i, match));
    match += 4;
    if (o + match > end) throw bad('it decodes past its declared or bounded size');
    copyMatch(out, o, offset, match);
    o += match;
  }
  throw bad('an empty compressed block');
}

/**
 * Decompress a frame that `inspectFrame` accepted (its `layout`): header, blocks and end mark are
 * known to be well-formed and inside `body`; what the blocks decode to is checked here.
 *
 * @throws CodecError ERR_CODEC_LZ4 (corrupt block, checksum mismatch, size other than declared).
 */
export function decodeFrame(body: Uint8Array, layout: FrameLayout): Buffer {
  const flg = body[4]!;
  const blockChecksum = (flg & FLG_BLOCK_CHECKSUM) !== 0;
  const out = Buffer.allocUnsafe(layout.bound);
  let o = 0;
  let pos = flg & FLG_CONTENT_SIZE ? 15 : 7;
  for (;;) {
    const word = u32(body, pos);
    pos += 4;
    if (word === 0) break;
    const size = (word & ~UNCOMPRESSED_BIT) >>> 0;
    const data = body.subarray(pos, pos + size);
    pos += size;
    if (blockChecksum) {
      if (xxh32(data) !== u32(body, pos)) throw bad('block checksum mismatch');
      pos += 4;
    }
    const end = Math.min(layout.bound, o + layout.blockMaxBytes);
    if (word & UNCOMPRESSED_BIT) {
      if (o + size > end) throw bad('it decodes past its declared or bounded size');
      out.set(data, o);
      o += size;
    } else {
      o = decodeBlock(data, out, o, end);
    }
  }
  if (layout.contentSize !== undefined && o !== layout.contentSize) throw bad(`it declares ${layout.contentSize} bytes but decoded to ${o}`);
  const decoded = out.subarray(0, o);
  if (flg & FLG_CONTENT_CHECKSUM && xxh32(decoded) !== u32(body, pos)) throw bad('content checksum mismatch');
  // Without a declared size the bound can be far above the real size: keep only what is used.
  return o < layout.bound / 2 ? Buffer.from(decoded) : decoded;
}
