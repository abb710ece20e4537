/**
 * LZ4 frame layout (https://github.com/lz4/lz4/blob/dev/doc/lz4_Frame_format.md), read without
 * decompressing: checks the header and walks the block headers to bound the decoded size, so that a
 * frame that would inflate past the limit is refused before any allocation.
 */
import { CodecError } from '../errors/index.js';
import { xxh32 } from './xxh32.js';

/** Magic number of a standard LZ4 frame (little-endian on the wire: 04 22 4D 18). */
export const LZ4_FRAME_MAGIC = 0x184d2204;
/** An LZ4 block never inflates more than this per compressed byte (each length byte adds at most 255). */
export const LZ4_MAX_BLOCK_RATIO = 255;

const FLG_VERSION_MASK = 0xc0;
const FLG_VERSION_01 = 0x40;
const FLG_BLOCK_CHECKSUM = 0x10;
const FLG_CONTENT_SIZE = 0x08;
const FLG_CONTENT_CHECKSUM = 0x04;
const FLG_RESERVED = 0x02;
const FLG_DICT_ID = 0x01;
const BD_RESERVED = 0x8f;
const UNCOMPRESSED_BIT = 0x80000000;

/** What the frame says about itself. Sizes in bytes. */
export interface FrameLayout {
  /** The size declared in the header, if any. */
  contentSize: number | undefined;
  /** Upper bound of the decoded size: the declared size, else the sum over blocks. */
  bound: number;
  /** The block maximum size from the BD byte (64 KiB to 4 MiB). */
  blockMaxBytes: number;
}

const bad = (message: string): CodecError => new CodecError('ERR_CODEC_LZ4', message);
const tooLarge = (what: string, max: number): CodecError =>
  new CodecError('ERR_CODEC_LZ4_TOO_LARGE', `LZ4 frame ${what}, over the limit of ${max} bytes (codec.maxDecodedBytes)`);

const u32 = (b: Uint8Array, i: number): number => (b[i]! | (b[i + 1]! << 8) | (b[i + 2]! << 16) | (b[i + 3]! << 24)) >>> 0;

/** The header checksum byte of a frame descriptor (FLG up to and including the optional fields). */
export function headerChecksum(descriptor: Uint8Array): number {
  return (xxh32(descriptor) >>> 8) & 0xff;
}

function checkMagic(body: Uint8Array): void {
  if (body.length < 4) throw bad(`truncated LZ4 frame: ${body.length} bytes`);
  const magic = u32(body, 0);
  if (magic === LZ4_FRAME_MAGIC) return;
  if ((magic & 0xfffffff0) === 0x184d2a50) throw bad('skippable LZ4 frames are not accepted');
  if (magic === 0x184c2102) throw bad('the legacy LZ4 format is not accepted; use the frame format');
  throw bad(`not an LZ4 frame: bad magic 0x${magic.toString(16).padStart(8, '0')}`);
}

/** Parse FLG/BD/content size/HC; returns the flags, block max and where the blocks start. */
function readHeader(body: Uint8Array): { flg: number; blockMaxBytes: number; contentSize: number | undefined; start: number } {
  checkMagic(body);
  if (body.length < 7) throw bad('truncated LZ4 frame header');
  const flg = body[4]!;
  const bd = body[5]!;
  if ((flg & FLG_VERSION_MASK) !== FLG_VERSION_01) throw bad(`unsupported LZ4 frame version ${flg >> 6}`);
  if (flg & FLG_RESERVED || bd & BD_RESERVED) throw bad('reserved bits set in the LZ4 frame header');
  if (flg & FLG_DICT_ID) throw bad('LZ4 frames with a dictionary are not accepted');
  const sizeIndex = (bd >> 4) & 0x07;
  if (sizeIndex < 4) throw bad(`invalid LZ4 block maximum size index ${sizeIndex}`);
  const descriptorEnd = 6 + (flg & FLG_CONTENT_SIZE ? 8 : 0);
  if (body.length < descriptorEnd + 1) throw bad('truncated LZ4 frame header');
  if (headerChecksum(body.subarray(4, descriptorEnd)) !== body[descriptorEnd]) throw bad('LZ4 frame header checksum mismatch');
  // 64-bit little-endian; a high word past 2^21 is beyond any safe integer and certainly too large.
  const contentSize = flg & FLG_CONTENT_SIZE ? u32(body, 6) + u32(body, 10) * 0x1_0000_0000 : undefined;
  return { flg, blockMaxBytes: 1 << (2 * sizeIndex + 8), contentSize, start: descriptorEnd + 1 };
}

/**
 * Check an LZ4 frame's structure and bound its decoded size without decompressing.
 * The bound of a compressed block is min(block max size, 255 × its compressed size), which is exact
 * LZ4 arithmetic and keeps small frames with 4 MiB blocks under small limits.
 *
 * @param body the whole body: exactly one frame, nothing after it.
 * @param maxDecodedBytes refuse frames whose bound exceeds this.
 * @throws CodecError ERR_CODEC_LZ4 (malformed, truncated, trailing bytes) or ERR_CODEC_LZ4_TOO_LARGE.
 */
export function inspectFrame(body: Uint8Array, maxDecodedBytes: number): FrameLayout {
  const { flg, blockMaxBytes, contentSize, start } = readHeader(body);
  if (contentSize !== undefined && contentSize > maxDecodedBytes) throw tooLarge(`declares ${contentSize} bytes of content`, maxDecodedBytes);
  const blockChecksum = flg & FLG_BLOCK_CHECKSUM ? 4 : 0;
  const end = body.length;
  let pos = start;
  let bound = 0;
  for (;;) {
    if (pos + 4 > end) throw bad('truncated LZ4 frame: missing block header or end mark');
    const word = u32(body, pos);
    pos += 4;
    if (word === 0) break;
    const size = (word & ~UNCOMPRESSED_BIT) >>> 0;
    if (size > blockMaxBytes) throw bad(`LZ4 block of ${size} bytes exceeds the frame's block maximum of ${blockMaxBytes}`);
    pos += size + blockChecksum;
    if (pos > end) throw bad('truncated LZ4 frame: block runs past the end of the body');
    bound += word & UNCOMPRESSED_BIT ? size : Math.min(blockMaxBytes, size * LZ4_MAX_BLOCK_RATIO);
    if (contentSize === undefined && bound > maxDecodedBytes) throw tooLarge(`blocks may decode to more than ${maxDecodedBytes} bytes`, maxDecodedBytes);
  }
  if (flg & FLG_CONTENT_CHECKSUM) pos += 4;
  if (pos > end) throw bad('truncated LZ4 frame: missing content checksum');
  if (pos < end) throw bad(`${end - pos} trailing bytes after the LZ4 frame`);
  if (contentSize !== undefined && contentSize > bound) throw bad(`LZ4 frame declares ${contentSize} bytes but its blocks hold at most ${bound}`);
  return { contentSize, bound: contentSize ?? bound, blockMaxBytes };
}
