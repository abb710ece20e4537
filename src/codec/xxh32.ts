/**
 * XXH32, the checksum of the LZ4 frame format (header checksum, block and content checksums).
 * Used here for frame headers, which are a few bytes, so a plain JavaScript version is enough.
 */

const P1 = 0x9e3779b1;
const P2 = 0x85ebca77;
const P3 = 0xc2b2ae3d;
const P4 = 0x27d4eb2f;
const P5 = 0x165667b1;

const rotl = (x: number, r: number): number => ((x << r) | (x >>> (32 - r))) >>> 0;
const read32 = (b: Uint8Array, i: number): number => (b[i]! | (b[i + 1]! << 8) | (b[i + 2]! << 16) | (b[i + 3]! << 24)) >>> 0;
const round = (acc: number, input: number): number => Math.imul(rotl((acc + Math.imul(input, P2)) >>> 0, 13), P1) >>> 0;

/** XXH32 of `data` with `seed` (default 0), as an unsigned 32-bit integer. */
export function xxh32(data: Uint8Array, seed = 0): number {
  const len = data.length;
  let p = 0;
  let h: number;
  if (len >= 16) {
    let v1 = (seed + P1 + P2) >>> 0;
    let v2 = (seed + P2) >>> 0;
    let v3 = seed >>> 0;
    let v4 = (seed - P1) >>> 0;
    for (; p <= len - 16; p += 16) {
      v1 = round(v1, read32(data, p));
      v2 = round(v2, read32(data, p + 4));
      v3 = round(v3, read32(data, p + 8));
      v4 = round(v4, read32(data, p + 12));
    }
    h = (rotl(v1, 1) + rotl(v2, 7) + rotl(v3, 12) + rotl(v4, 18)) >>> 0;
  } else {
    h = (seed + P5) >>> 0;
  }
  h = (h + len) >>> 0;
  for (; p + 4 <= len; p += 4) h = Math.imul(rotl((h + Math.imul(read32(data, p), P3)) >>> 0, 17), P4) >>> 0;
  for (; p < len; p++) h = Math.imul(rotl((h + Math.imul(data[p]!, P5)) >>> 0, 11), P1) >>> 0;
  h = Math.imul(h ^ (h >>> 15), P2) >>> 0;
  h = Math.imul(h ^ (h >>> 13), P3) >>> 0;
  return (h ^ (h >>> 16)) >>> 0;
}
