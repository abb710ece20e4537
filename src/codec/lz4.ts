/**
 * LZ4 bodies: one standard LZ4 frame (what the `lz4` command line reads and writes). Compression and
 * decompression are lz4-napi's; the bounds are checked here first (see lz4-frame.ts).
 */
import { compressFrameSync, decompressFrameSync } from 'lz4-napi';
import { CodecError } from '../errors/index.js';
import { asBuffer } from './bytes.js';
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
  const layout = inspectFrame(body, maxDecodedBytes);
  let out: Buffer;
  try {
    out = decompressFrameSync(asBuffer(body));
  } catch (err) {
    throw new CodecError('ERR_CODEC_LZ4', `LZ4 frame does not decompress: ${err instanceof Error ? err.message : String(err)}`, { cause: err });
  }
  if (out.length > maxDecodedBytes) {
    throw new CodecError('ERR_CODEC_LZ4_TOO_LARGE', `LZ4 frame decoded to ${out.length} bytes, over the limit of ${maxDecodedBytes} bytes (codec.maxDecodedBytes)`);
  }
  if (layout.contentSize !== undefined && out.length !== layout.contentSize) {
    throw new CodecError('ERR_CODEC_LZ4', `LZ4 frame declares ${layout.contentSize} bytes but decoded to ${out.length}`);
  }
  return out;
}
