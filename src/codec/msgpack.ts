/**
 * Plain, standard msgpack through msgpackr: no records, no structured clone, no extensions on the wire.
 * One Packr and one Unpackr for the process (they are synchronous and keep no per-message state).
 */
import { addExtension, Packr, Unpackr, type Options } from 'msgpackr';
import { CodecError } from '../errors/index.js';
import { scanMsgpack } from './msgpack-guard.js';

const WIRE_OPTIONS = {
  useRecords: false,
  moreTypes: false,
  structuredClone: false,
  mapsAsObjects: true,
  // 64-bit integers within 2^53 decode as numbers; only larger ones become bigint.
  int64AsType: 'auto',
  // Optional fields left undefined are omitted, like JSON.stringify does; undefined in arrays is nil.
  skipValues: [undefined],
  encodeUndefinedAsNil: true,
};

// `skipValues` and `int64AsType: 'auto'` exist in msgpackr 2 but not (yet) in its typings.
const packr = new Packr(WIRE_OPTIONS as unknown as Options);
const unpackr = new Unpackr(WIRE_OPTIONS as unknown as Options);

// Dates travel as ISO-8601 strings, never as the msgpack timestamp extension (the contract's rule,
// and what JSON.stringify does). An extension without a `type` writes its value as a plain msgpack
// value. msgpackr keeps extensions per process, and only this module imports msgpackr.
addExtension({ Class: Date, write: (d: Date) => d.toISOString() });

/**
 * msgpackr writes integers beyond 32 bits as float64; the contract wants integers as integers (other
 * languages would read 2^40 as a float). A float64 and a (u)int64 are both 9 bytes, so an integral
 * double within ±2^53 is rewritten in place as uint64 (0xcf) or int64 (0xd3). -0 stays a float.
 */
function integralFloatToInt(buf: Uint8Array, at: number): void {
  const view = new DataView(buf.buffer, buf.byteOffset + at + 1, 8);
  const value = view.getFloat64(0);
  if (!Number.isSafeInteger(value) || Object.is(value, -0)) return;
  if (value >= 0) {
    buf[at] = 0xcf;
    view.setUint32(0, Math.floor(value / 0x1_0000_0000));
    view.setUint32(4, value % 0x1_0000_0000);
  } else {
    buf[at] = 0xd3;
    view.setBigInt64(0, BigInt(value));
  }
}

const reason = (err: unknown): string => (err instanceof Error ? err.message : String(err));

/**
 * Encode a value as one msgpack map. The result is scanned like an incoming body, so nothing that
 * `unpackMsgpack` would refuse is ever sent (no extensions, non-string keys, invalid UTF-8, too deep).
 * Dates become ISO strings (an invalid Date is refused: ERR_CODEC_MSGPACK); with msgpackr's
 * `moreTypes: false` a Set is written as an array and other typed arrays as bin; integers beyond
 * 32 bits as (u)int64.
 *
 * @returns a view into msgpackr's output buffer, valid until the caller drops it.
 */
export function packMsgpack(value: unknown, maxDepth: number): Buffer {
  let out: Buffer;
  try {
    out = packr.pack(value);
  } catch (err) {
    throw new CodecError('ERR_CODEC_MSGPACK', `cannot encode as msgpack: ${reason(err)}`, { cause: err });
  }
  scanMsgpack(out, maxDepth, integralFloatToInt);
  return out;
}

/**
 * Decode one msgpack map after the structural scan. `bin` values are views into `bytes` (no copy).
 *
 * @throws CodecError ERR_CODEC_MSGPACK, ERR_CODEC_DEPTH or ERR_CODEC_UTF8.
 */
export function unpackMsgpack(bytes: Uint8Array, maxDepth: number): Record<string, unknown> {
  scanMsgpack(bytes, maxDepth);
  try {
    return unpackr.unpack(bytes) as Record<string, unknown>;
  } catch (err) {
    throw new CodecError('ERR_CODEC_MSGPACK', `invalid msgpack: ${reason(err)}`, { cause: err });
  }
}
