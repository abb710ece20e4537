import { gunzipSync } from 'node:zlib';
import { extractError } from './fail.js';

/** True when `bytes` start with the gzip magic (1f 8b). */
export function isGzip(bytes: Uint8Array): boolean {
  return bytes.length >= 2 && bytes[0] === 0x1f && bytes[1] === 0x8b;
}

/**
 * Decompress gzip data, never producing more than `maxBytes`: zlib stops at the cap, so a gzip bomb
 * costs at most `maxBytes` of memory before it is refused with `ERR_EXTRACT_BOMB`. Damaged data is
 * `ERR_EXTRACT_CORRUPT`.
 */
export function gunzipCapped(bytes: Uint8Array, maxBytes: number): Uint8Array {
  try {
    return gunzipSync(bytes, { maxOutputLength: maxBytes });
  } catch (err) {
    const e = err as NodeJS.ErrnoException;
    if (e.code === 'ERR_BUFFER_TOO_LARGE' || e instanceof RangeError) {
      throw extractError('ERR_EXTRACT_BOMB', `the gzip data expands past ${maxBytes} bytes (options.maxDecompressedBytes); it is refused`, { cause: err });
    }
    throw extractError('ERR_EXTRACT_CORRUPT', `the gzip data is damaged or truncated: ${e.message}`, { cause: err });
  }
}
