/**
 * A structural pre-scan of msgpack bytes, run before msgpackr sees them (and on what we emit).
 *
 * Iterative (no recursion, so no stack overflow at any depth), allocation-free apart from a stack of
 * at most `maxDepth` counters, and O(1) per str/bin apart from the UTF-8 check. It refuses:
 * - a declared length (str, bin, array, map) that cannot fit in the bytes left: an array of n needs
 *   n bytes, a map of n needs 2n, on top of what enclosing containers still need;
 * - nesting deeper than `maxDepth` (the top-level map is depth 1);
 * - the reserved byte 0xc1 and every ext/fixext type (timestamps included);
 * - map keys that are not strings, the key `__proto__` (msgpackr would rename it), strings that are
 *   not UTF-8;
 * - anything but exactly one top-level map.
 */
import { isUtf8 } from 'node:buffer';
import { CodecError } from '../errors/index.js';

const fail = (message: string, at: number): CodecError => new CodecError('ERR_CODEC_MSGPACK', `${message} (at byte ${at})`);

/** True when buf[start, start + len) is valid UTF-8; short ASCII runs are checked inline. */
function utf8At(buf: Uint8Array, start: number, len: number): boolean {
  if (len <= 32) {
    let i = start;
    const end = start + len;
    while (i < end && buf[i]! < 0x80) i++;
    if (i === end) return true;
  }
  return isUtf8(buf.subarray(start, start + len));
}

/** Size of the length field of str8/16/32, bin8/16/32 (by lead byte); 0 for other bytes. */
function lengthFieldSize(b: number): number {
  switch (b) {
    case 0xc4: case 0xd9: return 1;
    case 0xc5: case 0xda: return 2;
    case 0xc6: case 0xdb: return 4;
    default: return 0;
  }
}

/** Bytes after the lead byte of a fixed-size scalar, or -1 if `b` is not one. */
function scalarSize(b: number): number {
  if (b < 0x80 || b >= 0xe0 || b === 0xc0 || b === 0xc2 || b === 0xc3) return 0;
  switch (b) {
    case 0xcc: case 0xd0: return 1;
    case 0xcd: case 0xd1: return 2;
    case 0xca: case 0xce: case 0xd2: return 4;
    case 0xcb: case 0xcf: case 0xd3: return 8;
    default: return -1;
  }
}

const readLength = (buf: Uint8Array, pos: number, size: number): number =>
  size === 1 ? buf[pos]! : size === 2 ? (buf[pos]! << 8) | buf[pos + 1]! : ((buf[pos]! << 24) | (buf[pos + 1]! << 16) | (buf[pos + 2]! << 8) | buf[pos + 3]!) >>> 0;

interface Container {
  /** Entries (maps) or elements (arrays). */
  count: number;
  /** Bytes of the length field after the lead byte. */
  header: number;
  map: boolean;
}

/** The container that lead byte `b` opens (its length field checked to be in bounds), or undefined. */
function containerHeader(buf: Uint8Array, pos: number, b: number, at: number): Container | undefined {
  if (b >= 0x80 && b <= 0x8f) return { count: b & 0x0f, header: 0, map: true };
  if (b >= 0x90 && b <= 0x9f) return { count: b & 0x0f, header: 0, map: false };
  const header = b === 0xdc || b === 0xde ? 2 : b === 0xdd || b === 0xdf ? 4 : 0;
  if (header === 0) return undefined;
  if (pos + header > buf.length) throw fail('truncated msgpack length', at);
  return { count: readLength(buf, pos, header), header, map: b === 0xde || b === 0xdf };
}

const isExtOrReserved = (b: number): boolean => b === 0xc1 || (b >= 0xc7 && b <= 0xc9) || (b >= 0xd4 && b <= 0xd8);

/** Why lead byte `b` cannot start a value (or a key, when `isKey`). */
function describe(b: number, isKey: boolean): string {
  if (b === 0xc1) return 'reserved byte 0xc1';
  if (isExtOrReserved(b)) return `msgpack extension type (0x${b.toString(16)}): extensions and timestamps are not accepted`;
  return isKey ? 'map keys must be strings' : `unexpected byte 0x${b.toString(16)}`;
}

/**
 * Scan one msgpack body. `onFloat64`, if given, sees the offset of every float64 (0xcb) value: the
 * encoder uses it to rewrite integral doubles as integers in place.
 *
 * @throws CodecError ERR_CODEC_MSGPACK (structure), ERR_CODEC_DEPTH or ERR_CODEC_UTF8.
 */
export function scanMsgpack(buf: Uint8Array, maxDepth: number, onFloat64?: (buf: Uint8Array, at: number) => void): void {
  const end = buf.length;
  if (end === 0) throw fail('empty msgpack body', 0);
  const b0 = buf[0]!;
  if (!((b0 >= 0x80 && b0 <= 0x8f) || b0 === 0xde || b0 === 0xdf)) throw fail('the top-level value must be a map', 0);
  const left: number[] = []; // items still to read in each open container (a map of n counts 2n)
  const isMap: boolean[] = [];
  let top = -1;
  let need = 0; // items still owed by all open containers, each at least one byte
  let pos = 0;
  do {
    if (pos >= end) throw fail('truncated msgpack body', pos);
    const at = pos;
    const b = buf[pos++]!;
    const isKey = top >= 0 && isMap[top]! && left[top]! % 2 === 0;
    if (top >= 0) {
      left[top]!--;
      need--;
    }
    const fixed = scalarSize(b);
    if (fixed >= 0 && !isKey) {
      pos += fixed;
      if (pos + need > end) throw fail('truncated msgpack body', at);
      if (b === 0xcb && onFloat64 !== undefined) onFloat64(buf, at);
    } else if (b >= 0xa0 && b <= 0xbf) {
      pos = skipStr(buf, pos, b & 0x1f, need, at, isKey);
    } else if (lengthFieldSize(b) > 0) {
      const size = lengthFieldSize(b);
      if (pos + size > end) throw fail('truncated msgpack length', at);
      const len = readLength(buf, pos, size);
      const isStr = b >= 0xd9;
      if (isKey && !isStr) throw fail('map keys must be strings', at);
      pos = isStr ? skipStr(buf, pos + size, len, need, at, isKey) : skipBin(buf, pos + size, len, need, at);
    } else {
      const c = isKey ? undefined : containerHeader(buf, pos, b, at);
      if (c === undefined) throw fail(describe(b, isKey), at);
      if (top + 2 > maxDepth) throw new CodecError('ERR_CODEC_DEPTH', `msgpack body nests deeper than ${maxDepth} (codec.maxDepth) at byte ${at}`);
      pos += c.header;
      const items = c.map ? c.count * 2 : c.count;
      if (items > end - pos - need) throw fail(`${c.map ? 'map' : 'array'} declares ${c.count} entries but only ${end - pos} bytes remain`, at);
      if (items > 0) {
        left[++top] = items;
        isMap[top] = c.map;
        need += items;
        continue;
      }
    }
    while (top >= 0 && left[top] === 0) top--;
  } while (top >= 0);
  if (pos !== end) throw fail(`${end - pos} trailing bytes after the top-level map`, pos);
}

const PROTO = [0x5f, 0x5f, 0x70, 0x72, 0x6f, 0x74, 0x6f, 0x5f, 0x5f]; // "__proto__"

function isProtoKey(buf: Uint8Array, pos: number, len: number): boolean {
  if (len !== PROTO.length) return false;
  for (let i = 0; i < len; i++) if (buf[pos + i] !== PROTO[i]) return false;
  return true;
}

function skipStr(buf: Uint8Array, pos: number, len: number, need: number, at: number, isKey: boolean): number {
  if (len > buf.length - pos - need) throw fail(`str declares ${len} bytes but only ${buf.length - pos} remain`, at);
  if (isKey && isProtoKey(buf, pos, len)) throw fail('the map key "__proto__" is not accepted', at);
  if (!utf8At(buf, pos, len)) throw new CodecError('ERR_CODEC_UTF8', `msgpack str at byte ${at} is not valid UTF-8`);
  return pos + len;
}

function skipBin(buf: Uint8Array, pos: number, len: number, need: number, at: number): number {
  if (len > buf.length - pos - need) throw fail(`bin declares ${len} bytes but only ${buf.length - pos} remain`, at);
  return pos + len;
}
