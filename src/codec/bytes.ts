/** Byte helpers shared by the codec's parts. */

/** View any Uint8Array as a Buffer without copying (native bindings and Buffer methods want one). */
export function asBuffer(bytes: Uint8Array): Buffer {
  return Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}
