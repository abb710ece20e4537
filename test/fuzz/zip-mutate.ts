/**
 * Structure-aware DOCX/ZIP mutations: a real DOCX is unpacked into its parts; one part's XML is
 * mutated (so mammoth parses damaged XML inside a well-formed archive), the parts are zipped again
 * (stored or deflated, sizes optionally forged), and then single fields of the ZIP records (entry
 * counts, sizes, offsets, methods, flags, name lengths) are overwritten with boundary values.
 */
import { inflateRawSync } from 'node:zlib';
import fc from 'fast-check';
import { entryData, readZipDirectory } from '../../src/extract/zip.js';
import { makeZip, type ZipFile } from '../fixtures/documents/make-zip.js';
import { mutate, mutations, type Mutation } from './mutate.js';

/** The parts of an archive, unpacked. */
export function unzipParts(bytes: Uint8Array): ZipFile[] {
  return readZipDirectory(bytes, 10_000).map((e) => {
    const data = entryData(bytes, e);
    return { name: e.name, data: e.method === 0 ? data : new Uint8Array(inflateRawSync(data)) };
  });
}

/** The fields of each ZIP record: [offset in the record, width in bytes]. */
const FIELDS: Readonly<Record<'eocd' | 'central' | 'local', ReadonlyArray<readonly [number, 2 | 4]>>> = {
  eocd: [[8, 2], [10, 2], [12, 4], [16, 4], [20, 2]], // entries here, entries, directory size, offset, comment length
  central: [[8, 2], [10, 2], [20, 4], [24, 4], [28, 2], [30, 2], [32, 2], [42, 4]], // flags, method, sizes, name/extra/comment lengths, local offset
  local: [[6, 2], [8, 2], [18, 4], [22, 4], [26, 2], [28, 2]],
};
const VALUES = [0, 1, 0xff, 0xffff, 0x7fffffff, 0xffffffff, 10_001, 1 << 20];

export interface ZipSurgery {
  part: number;
  content: Mutation[] | null;
  store: boolean;
  forge: number | null;
  fields: Array<{ record: keyof typeof FIELDS; entry: number; field: number; value: number }>;
}

export function zipSurgery(tokens: number): fc.Arbitrary<ZipSurgery> {
  return fc.record({
    part: fc.nat(31),
    content: fc.option(mutations(tokens, 0, 4), { freq: 2 }),
    store: fc.boolean(),
    forge: fc.option(fc.constantFrom(0, 1, 100, 0xffffffff, 200 * 1024 * 1024), { freq: 6 }),
    fields: fc.array(fc.record({ record: fc.constantFrom('eocd' as const, 'central' as const, 'local' as const), entry: fc.nat(15), field: fc.nat(7), value: fc.constantFrom(...VALUES) }), { maxLength: 2 }),
  });
}

/** Offsets of each record in an archive made by `makeZip` (no comment, no ZIP64). */
function records(zip: Buffer): Record<keyof typeof FIELDS, number[]> {
  const eocd = zip.length - 22;
  const central: number[] = [];
  const local: number[] = [];
  let at = zip.readUInt32LE(eocd + 16);
  for (let i = 0; i < zip.readUInt16LE(eocd + 10); i++) {
    central.push(at);
    local.push(zip.readUInt32LE(at + 42));
    at += 46 + zip.readUInt16LE(at + 28);
  }
  return { eocd: [eocd], central, local };
}

/** The archive `parts` describes after `s`. */
export function applySurgery(parts: readonly ZipFile[], s: ZipSurgery, tokens: readonly Uint8Array[]): Uint8Array {
  const i = s.part % parts.length;
  const files = parts.map((p, j): ZipFile => {
    const data = j === i && s.content ? mutate(typeof p.data === 'string' ? Buffer.from(p.data) : p.data, s.content, tokens) : p.data;
    const f: ZipFile = { name: p.name, data, store: s.store };
    if (j === i && s.forge !== null) f.declaredSize = s.forge;
    return f;
  });
  const zip = makeZip(files);
  const at = records(zip);
  for (const f of s.fields) {
    const list = at[f.record];
    const [offset, width] = FIELDS[f.record][f.field % FIELDS[f.record].length]!;
    const pos = list[f.entry % list.length]! + offset;
    if (width === 4) zip.writeUInt32LE(f.value >>> 0, pos);
    else zip.writeUInt16LE(f.value & 0xffff, pos);
  }
  return new Uint8Array(zip);
}
