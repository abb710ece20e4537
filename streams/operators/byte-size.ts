import { Buffer } from 'node:buffer';

/**
 * The default `sizeOf` of the batch operator: bytes of a binary item (`Uint8Array`, `ArrayBuffer`,
 * any `ArrayBufferView`) or of a string in UTF-8. Anything else has no obvious size, so it throws
 * rather than guess: pass a `sizeOf` for structured items.
 */
export function byteSize(item: unknown): number {
  if (typeof item === 'string') return Buffer.byteLength(item, 'utf8');
  if (ArrayBuffer.isView(item)) return item.byteLength;
  if (item instanceof ArrayBuffer) return item.byteLength;
  throw new TypeError(`byteSize: cannot measure a ${item === null ? 'null' : typeof item}; pass options.sizeOf`);
}
