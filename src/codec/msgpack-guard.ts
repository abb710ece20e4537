/**
 * A structural pre-scan of msgpack bytes, run before msgpackr sees them (and on what we emit).
 *
 * Iterative (no recursion, so no stack overflow at any depth), allocation-free (one stack of
 * `maxDepth` counters per thread, reused), one table lookup per value, and O(1) per str/bin apart
 * from the UTF-8 check. It refuses:
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
  if (len <= 64) {
    let i = start;
    const end = start + len;
    while (i < end && buf[i]! < 0x80) i++;
    if (i === end) return true;
  }
  return isUtf8(buf.subarray(start, start + len));
}

// What each lead byte starts, looked up once per value instead of branching through the ranges.
const INVALID = 0; // 0xc1 and the ext/fixext types
const SCALAR = 1; // fixints, nil, booleans, ints, floats: SIZE bytes follow
const FIXSTR = 2;
const STR = 3; // str8/16/32: a length field of SIZE bytes follows
const BIN = 4; // bin8/16/32: likewise
const FIXMAP = 5;
const FIXARRAY = 6;
const MAP = 7; // map16/32: a count field of SIZE bytes follows
const ARRAY = 8; // array16/32: likewise

const KIND = new Uint8Array(256);
const SIZE = new Uint8Array(256);
for (let b = 0; b < 256; b++) {
  const set = (kind: number, size = 0): void => {
    KIND[b] = kind;
    SIZE[b] = size;
  };
  if (b < 0x80 || b >= 0xe0 || b === 0xc0 || b === 0xc2 || b === 0xc3) set(SCALAR);
  else if (b <= 0x8f) set(FIXMAP);
  else if (b <= 0x9f) set(FIXARRAY);
  else if (b <= 0xbf) set(FIXSTR);
  else if (b === 0xcc || b === 0xd0) set(SCALAR, 1);
  else if (b === 0xcd || b === 0xd1) set(SCALAR, 2);
  else if (b === 0xca || b === 0xce || b === 0xd2) set(SCALAR, 4);
  else if (b === 0xcb || b === 0xcf || b === 0xd3) set(SCALAR, 8);
  else if (b === 0xd9) set(STR, 1);
  else if (b === 0xda) set(STR, 2);
  else if (b === 0xdb) set(STR, 4);
  else if (b === 0xc4) set(BIN, 1);
  else if (b === 0xc5) set(BIN, 2);
  else if (b === 0xc6) set(BIN, 4);
  else if (b === 0xdc) set(ARRAY, 2);
  else if (b === 0xdd) set(ARRAY, 4);
  else if (b === 0xde) set(MAP, 2);
  else if (b === 0xdf) set(MAP, 4);
  else set(INVALID);
}

const readLength = (buf: Uint8Array, pos: number, size: number): number =>
  size === 1 ? buf[pos]! : size === 2 ? (buf[pos]! << 8) | buf[pos + 1]! : ((buf[pos]! << 24) | (buf[pos + 1]! << 16) | (buf[pos + 2]! << 8) | buf[pos + 3]!) >>> 0;

/** Why lead byte `b` cannot start a value (or a key, when `isKey`). */
function describe(b: number, isKey: boolean): string {
  if (b === 0xc1) return 'reserved byte 0xc1';
  if (KIND[b] === INVALID) return `msgpack extension type (0x${b.toString(16)}): extensions and timestamps are not accepted`;
  return isKey ? 'map keys must be strings' : `unexpected byte 0x${b.toString(16)}`;
}

// Per open container: the items still to read (a map of n counts 2n) and whether it is a map. One
// pair for the thread, grown to the deepest maxDepth seen: a scan is synchronous and never re-entered.
let stackLeft = new Int32Array(65);
let stackIsMap = new Uint8Array(65);

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
  if (KIND[b0] !== FIXMAP && KIND[b0] !== MAP) throw fail('the top-level value must be a map', 0);
  if (stackLeft.length <= maxDepth) {
    stackLeft = new Int32Array(maxDepth + 1);
    stackIsMap = new Uint8Array(maxDepth + 1);
  }
  const left = stackLeft;
  const isMap = stackIsMap;
  let top = -1;
  let need = 0; // items still owed by all open containers, each at least one byte
  let pos = 0;
  do {
    if (pos >= end) throw fail('truncated msgpack body', pos);
    const at = pos;
    const b = buf[pos++]!;
    let isKey = false;
    if (top >= 0) {
      isKey = isMap[top] === 1 && (left[top]! & 1) === 0;
      left[top]!--;
      need--;
    }
    const kind = KIND[b]!;
    if (kind === SCALAR && !isKey) {
      pos += SIZE[b]!;
      if (pos + need > end) throw fail('truncated msgpack body', at);
      if (b === 0xcb && onFloat64 !== undefined) onFloat64(buf, at);
    } else if (kind === FIXSTR) {
      pos = skipStr(buf, pos, b & 0x1f, need, at, isKey);
    } else if (kind === STR || kind === BIN) {
      const size = SIZE[b]!;
      if (pos + size > end) throw fail('truncated msgpack length', at);
      const len = readLength(buf, pos, size);
      if (isKey && kind === BIN) throw fail('map keys must be strings', at);
      pos = kind === STR ? skipStr(buf, pos + size, len, need, at, isKey) : skipBin(buf, pos + size, len, need, at);
    } else if (!isKey && kind >= FIXMAP) {
      const size = SIZE[b]!;
      if (pos + size > end) throw fail('truncated msgpack length', at);
      const count = kind === FIXMAP || kind === FIXARRAY ? b & 0x0f : readLength(buf, pos, size);
      const map = kind === FIXMAP || kind === MAP;
      if (top + 2 > maxDepth) throw new CodecError('ERR_CODEC_DEPTH', `msgpack body nests deeper than ${maxDepth} (codec.maxDepth) at byte ${at}`);
      pos += size;
      const items = map ? count * 2 : count;
      if (items > end - pos - need) throw fail(`${map ? 'map' : 'array'} declares ${count} entries but only ${end - pos} bytes remain`, at);
      if (items > 0) {
        left[++top] = items;
        isMap[top] = map ? 1 : 0;
        need += items;
        continue;
      }
    } else {
      throw fail(describe(b, isKey), at);
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
