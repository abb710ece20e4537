/**
 * Just enough of the ZIP format to judge an archive before a library unpacks it: the central
 * directory (names and declared sizes, ZIP64 included) and each entry's compressed data.
 */
import { extractError } from './fail.js';

/** One file of the archive as the central directory declares it. */
export interface ZipEntry {
  name: string;
  /** 0 = stored, 8 = deflated (others are refused by `zip-limits`). */
  method: number;
  /** General-purpose flag bit 0: the entry is encrypted. */
  encrypted: boolean;
  compressedSize: number;
  uncompressedSize: number;
  localHeaderOffset: number;
}

const EOCD_SIG = 0x06054b50;
const ZIP64_LOCATOR_SIG = 0x07064b50;
const ZIP64_EOCD_SIG = 0x06064b50;
const CEN_SIG = 0x02014b50;
const LOC_SIG = 0x04034b50;
const EOCD_SIZE = 22;
const MAX_COMMENT = 0xffff;

/** True when `bytes` start like a ZIP archive (a local file header). */
export function isZip(bytes: Uint8Array): boolean {
  return bytes.length >= 4 && bytes[0] === 0x50 && bytes[1] === 0x4b && bytes[2] === 0x03 && bytes[3] === 0x04;
}

function corrupt(why: string) {
  return extractError('ERR_EXTRACT_CORRUPT', `not a readable ZIP archive: ${why}`);
}

/** Little-endian reads that fail as "corrupt" instead of reading past the end. */
class Reader {
  readonly view: DataView;
  constructor(readonly bytes: Uint8Array) {
    this.view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  }
  #check(at: number, n: number): void {
    if (at < 0 || at + n > this.bytes.length) throw corrupt(`a record at byte ${at} runs past the end of the file`);
  }
  u16(at: number): number { this.#check(at, 2); return this.view.getUint16(at, true); }
  u32(at: number): number { this.#check(at, 4); return this.view.getUint32(at, true); }
  u64(at: number): number {
    this.#check(at, 8);
    const v = this.view.getBigUint64(at, true);
    if (v > BigInt(Number.MAX_SAFE_INTEGER)) throw corrupt(`a 64-bit size at byte ${at} is absurd`);
    return Number(v);
  }
  slice(at: number, n: number): Uint8Array { this.#check(at, n); return this.bytes.subarray(at, at + n); }
}

function findEocd(r: Reader): number {
  const len = r.bytes.length;
  for (let at = len - EOCD_SIZE; at >= Math.max(0, len - EOCD_SIZE - MAX_COMMENT); at--) {
    if (r.view.getUint32(at, true) === EOCD_SIG && at + EOCD_SIZE + r.view.getUint16(at + 20, true) <= len) return at;
  }
  throw corrupt('no end-of-central-directory record (truncated?)');
}

/** Where the central directory is and how many entries it claims. */
function directoryBounds(r: Reader): { count: number; offset: number; size: number } {
  const eocd = findEocd(r);
  let count = r.u16(eocd + 10);
  let size = r.u32(eocd + 12);
  let offset = r.u32(eocd + 16);
  if (count === 0xffff || size === 0xffffffff || offset === 0xffffffff) {
    const loc = eocd - 20;
    if (loc < 0 || r.u32(loc) !== ZIP64_LOCATOR_SIG) throw corrupt('ZIP64 sizes without a ZIP64 locator');
    const z = r.u64(loc + 8);
    if (r.u32(z) !== ZIP64_EOCD_SIG) throw corrupt('the ZIP64 end-of-central-directory record is missing');
    count = r.u64(z + 32);
    size = r.u64(z + 40);
    offset = r.u64(z + 48);
  }
  return { count, offset, size };
}

/** Apply a ZIP64 extended-information extra field to the sizes that overflowed 32 bits. */
function applyZip64(r: Reader, extraAt: number, extraLen: number, e: ZipEntry): void {
  for (let at = extraAt; at + 4 <= extraAt + extraLen;) {
    const id = r.u16(at);
    const len = r.u16(at + 2);
    if (id === 0x0001) {
      let p = at + 4;
      if (e.uncompressedSize === 0xffffffff) { e.uncompressedSize = r.u64(p); p += 8; }
      if (e.compressedSize === 0xffffffff) { e.compressedSize = r.u64(p); p += 8; }
      if (e.localHeaderOffset === 0xffffffff) e.localHeaderOffset = r.u64(p);
      return;
    }
    at += 4 + len;
  }
}

/**
 * Read the central directory. Refuses (`ERR_EXTRACT_BOMB`) a directory claiming more than
 * `maxEntries` entries before reading them; anything malformed is `ERR_EXTRACT_CORRUPT`.
 */
export function readZipDirectory(bytes: Uint8Array, maxEntries: number): ZipEntry[] {
  const r = new Reader(bytes);
  const { count, offset, size } = directoryBounds(r);
  if (count > maxEntries) {
    throw extractError('ERR_EXTRACT_BOMB', `the archive claims ${count} entries (more than ${maxEntries}); it is refused`);
  }
  if (offset + size > bytes.length || count * 46 > size) throw corrupt('the central directory does not fit in the file');
  const entries: ZipEntry[] = [];
  let at = offset;
  const names = new TextDecoder('utf-8');
  for (let i = 0; i < count; i++) {
    if (r.u32(at) !== CEN_SIG) throw corrupt(`central directory entry ${i} has a bad signature`);
    const nameLen = r.u16(at + 28);
    const extraLen = r.u16(at + 30);
    const commentLen = r.u16(at + 32);
    const e: ZipEntry = {
      name: names.decode(r.slice(at + 46, nameLen)),
      method: r.u16(at + 10),
      encrypted: (r.u16(at + 8) & 1) === 1,
      compressedSize: r.u32(at + 20),
      uncompressedSize: r.u32(at + 24),
      localHeaderOffset: r.u32(at + 42),
    };
    applyZip64(r, at + 46 + nameLen, extraLen, e);
    entries.push(e);
    at += 46 + nameLen + extraLen + commentLen;
  }
  return entries;
}

/** The compressed bytes of `e`, found through its local header. */
export function entryData(bytes: Uint8Array, e: ZipEntry): Uint8Array {
  const r = new Reader(bytes);
  if (r.u32(e.localHeaderOffset) !== LOC_SIG) throw corrupt(`the local header of ${JSON.stringify(e.name)} is missing`);
  const start = e.localHeaderOffset + 30 + r.u16(e.localHeaderOffset + 26) + r.u16(e.localHeaderOffset + 28);
  return r.slice(start, e.compressedSize);
}
