/**
 * Byte-level mutations, as a mutation fuzzer (AFL, libFuzzer) applies them: bit flips, interesting
 * bytes and integers, deletions, insertions, duplicated slices, truncation, splices from another
 * seed, and amplification (a slice or a format's dictionary token repeated many times), which is
 * what finds super-linear parsers and memory blow-ups that single-byte changes never reach.
 * Positions are fractions of the current length, so every mutation lands inside whatever it is
 * applied to and shrinks towards the start.
 */
import fc from 'fast-check';

export type Mutation =
  | { kind: 'flip'; at: number; bit: number }
  | { kind: 'set'; at: number; byte: number }
  | { kind: 'int'; at: number; width: 1 | 2 | 4; value: number; bigEndian: boolean }
  | { kind: 'delete'; at: number; len: number }
  | { kind: 'insert'; at: number; bytes: Uint8Array }
  | { kind: 'copy'; from: number; at: number; len: number }
  | { kind: 'truncate'; at: number }
  | { kind: 'splice'; at: number; donor: number; from: number; len: number }
  | { kind: 'token'; at: number; token: number; times: number }
  | { kind: 'repeat'; from: number; len: number; times: number };

const at = fc.double({ min: 0, max: 1, noNaN: true, maxExcluded: true });
/** Bytes that mean something to some parser: NUL, quotes, brackets, escapes, msgpack's reserved 0xc1… */
const INTERESTING_BYTES = [0x00, 0x01, 0x0a, 0x0d, 0x20, 0x22, 0x25, 0x27, 0x2e, 0x3c, 0x3e, 0x5c, 0x7b, 0x7f, 0x80, 0xc1, 0xdd, 0xdf, 0xef, 0xfe, 0xff];
/** Boundary integers, as AFL's "interesting values". */
const INTERESTING_INTS = [0, 1, -1, 0x7f, 0x80, 0xff, 0x100, 0x7fff, 0x8000, 0xffff, 0x10000, 0x7fffffff, 0x80000000, 0xffffffff];

/** The mutation arbitrary; `tokens` and `donors` are counted only, the bytes are given to `mutate`. */
export function mutation(tokens: number, donors: number): fc.Arbitrary<Mutation> {
  const parts: fc.Arbitrary<Mutation>[] = [
    fc.record({ kind: fc.constant('flip' as const), at, bit: fc.integer({ min: 0, max: 7 }) }),
    fc.record({ kind: fc.constant('set' as const), at, byte: fc.oneof(fc.constantFrom(...INTERESTING_BYTES), fc.integer({ min: 0, max: 255 })) }),
    fc.record({ kind: fc.constant('int' as const), at, width: fc.constantFrom(1 as const, 2 as const, 4 as const), value: fc.constantFrom(...INTERESTING_INTS), bigEndian: fc.boolean() }),
    fc.record({ kind: fc.constant('delete' as const), at, len: fc.integer({ min: 1, max: 256 }) }),
    fc.record({ kind: fc.constant('insert' as const), at, bytes: fc.uint8Array({ minLength: 1, maxLength: 16 }) }),
    fc.record({ kind: fc.constant('copy' as const), from: at, at, len: fc.integer({ min: 1, max: 512 }) }),
    fc.record({ kind: fc.constant('truncate' as const), at }),
    fc.record({ kind: fc.constant('repeat' as const), from: at, len: fc.integer({ min: 1, max: 64 }), times: fc.integer({ min: 2, max: 2000 }) }),
  ];
  if (donors > 0) parts.push(fc.record({ kind: fc.constant('splice' as const), at, donor: fc.nat(donors - 1), from: at, len: fc.integer({ min: 1, max: 4096 }) }));
  if (tokens > 0) parts.push(fc.record({ kind: fc.constant('token' as const), at, token: fc.nat(tokens - 1), times: fc.oneof(fc.integer({ min: 1, max: 8 }), fc.integer({ min: 100, max: 5000 })) }));
  return fc.oneof(...parts);
}

/** One to `max` mutations. */
export function mutations(tokens: number, donors: number, max = 6): fc.Arbitrary<Mutation[]> {
  return fc.array(mutation(tokens, donors), { minLength: 1, maxLength: max });
}

function writeInt(b: Buffer, i: number, width: 1 | 2 | 4, value: number, bigEndian: boolean): void {
  if (i + width > b.length) return;
  const v = value >>> 0;
  if (width === 1) b[i] = v & 0xff;
  else if (width === 2) bigEndian ? b.writeUInt16BE(v & 0xffff, i) : b.writeUInt16LE(v & 0xffff, i);
  else bigEndian ? b.writeUInt32BE(v, i) : b.writeUInt32LE(v, i);
}

/** Apply `ms` to a copy of `base`. `tokens` and `donors` are the byte strings the indices refer to. */
export function mutate(base: Uint8Array, ms: readonly Mutation[], tokens: readonly Uint8Array[] = [], donors: readonly Uint8Array[] = []): Uint8Array {
  let b = Buffer.from(base);
  for (const m of ms) {
    const i = m.kind === 'repeat' ? 0 : Math.floor(m.at * b.length);
    switch (m.kind) {
      case 'flip': if (b.length > 0) b[i] = b[i]! ^ (1 << m.bit); break;
      case 'set': if (b.length > 0) b[i] = m.byte; break;
      case 'int': writeInt(b, i, m.width, m.value, m.bigEndian); break;
      case 'delete': b = Buffer.concat([b.subarray(0, i), b.subarray(i + m.len)]); break;
      case 'insert': b = Buffer.concat([b.subarray(0, i), m.bytes, b.subarray(i)]); break;
      case 'copy': {
        const from = Math.floor(m.from * b.length);
        b = Buffer.concat([b.subarray(0, i), b.subarray(from, from + m.len), b.subarray(i)]);
        break;
      }
      case 'truncate': b = b.subarray(0, i); break;
      case 'splice': {
        const donor = donors[m.donor]!;
        const from = Math.floor(m.from * donor.length);
        b = Buffer.concat([b.subarray(0, i), donor.subarray(from, from + m.len), b.subarray(i)]);
        break;
      }
      case 'token': b = Buffer.concat([b.subarray(0, i), Buffer.concat(Array.from({ length: m.times }, () => tokens[m.token]!)), b.subarray(i)]); break;
      case 'repeat': {
        const from = Math.floor(m.from * b.length);
        const slice = b.subarray(from, from + m.len);
        b = Buffer.concat([b.subarray(0, from), ...Array.from({ length: m.times }, () => slice), b.subarray(from)]);
        break;
      }
    }
  }
  return new Uint8Array(b.buffer, b.byteOffset, b.byteLength);
}

/** A format's dictionary, as bytes. */
export const dictionary = (...tokens: string[]): Uint8Array[] => tokens.map((t) => new Uint8Array(Buffer.from(t, 'latin1')));
