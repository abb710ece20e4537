/**
 * LZ4 bodies: one standard LZ4 frame (what the `lz4` command line reads and writes). Compression is
 * lz4-napi's; decompression is lz4-decode.ts (lz4-napi's frame decoder leaks its output), after the
 * bounds are checked (see lz4-frame.ts).
 */
import { compressFrameSync } from 'lz4-napi';
import { CodecError } from '../errors/index.js';
import { asBuffer } from './bytes.js';
import { decodeFrame } from './lz4-decode.js';
import { headerChecksum, inspectFrame, LZ4_FRAME_MAGIC } from './lz4-frame.js';

/**
 * Rewrite lz4-napi's 7-byte frame header to declare the content size, so that a receiver knows the
 * exact decoded size up front (a tight bound however small its limit). Copies only the compressed bytes.
 */
function withContentSize(frame: Buffer, contentSize: number): Buffer {
  const flg = frame[4]!;
  // Only the layout lz4-napi writes today (no size, no dictionary); anything else is sent as it is.
  if (frame.length < 7 || frame.readUInt32LE(0) !== LZ4_FRAME_MAGIC || flg & 0x09) return frame;
  const out = Buffer.allocUnsafe(frame.length + 8);
  out.writeUInt32LE(LZ4_FRAME_MAGIC, 0);
  out[4] = flg | 0x08;
  out[5] = frame[5]!;
  out.writeUInt32LE(contentSize % 0x1_0000_0000, 6);
  out.writeUInt32LE(Math.floor(contentSize / 0x1_0000_0000), 10);
  out[14] = headerChecksum(out.subarray(4, 14));
  frame.copy(out, 15, 7);
  return out;
}

/** Compress `plain` into one LZ4 frame with content size and content checksum. */
export function compressFrame(plain: Uint8Array): Buffer {
  return withContentSize(compressFrameSync(asBuffer(plain), { contentChecksum: true }), plain.byteLength);
}

/**
 * Decompress one LZ4 frame, refusing it before any allocation if it could exceed `maxDecodedBytes`.
 *
 * @throws CodecError ERR_CODEC_LZ4 or ERR_CODEC_LZ4_TOO_LARGE.
 */
export function decompressFrame(body: Uint8Array, maxDecodedBytes: number): Buffer {
  return decodeFrame(body, inspectFrame(body, maxDecodedBytes));
}
