/**
 * Structure-aware LZ4 frame mutations: each rewrites one field of a real frame (declared content
 * size, flags, block maximum, a block's size word, checksums, the end mark) and, where the frame
 * header checksum covers the change, recomputes it, so the input gets past the header check to the
 * bounds, the decompressor and the msgpack behind them. Hand-made frames add an LZ4 "bomb" (blocks
 * that each inflate ~255×) and valid frames around mutated plain bodies.
 */
import fc from 'fast-check';
import { headerChecksum, LZ4_FRAME_MAGIC } from '../../src/codec/lz4-frame.js';

export type FrameMutation =
  | { kind: 'contentSize'; size: number }
  | { kind: 'dropContentSize' }
  | { kind: 'flags'; set: number; clear: number }
  | { kind: 'bd'; value: number }
  | { kind: 'blockSize'; value: number }
  | { kind: 'corruptChecksum'; which: 'header' | 'content'; xor: number }
  | { kind: 'dropEndMark' }
  | { kind: 'trailing'; bytes: Uint8Array }
  | { kind: 'bomb'; blocks: number; declare: boolean };

const SIZES = [0, 1, 2 ** 16, 2 ** 22, 64 * 2 ** 20, 64 * 2 ** 20 + 1, 2 ** 31, 2 ** 32 - 1, 2 ** 32, 2 ** 53, Number.MAX_SAFE_INTEGER];

/** Bombs cost a 64 MiB decode each: rarer than the cheap surgery. */
export const frameMutation: fc.Arbitrary<FrameMutation> = fc.oneof(
  { weight: 4, arbitrary: fc.record({ kind: fc.constant('contentSize' as const), size: fc.oneof(fc.constantFrom(...SIZES), fc.nat(1 << 20)) }) },
  { weight: 4, arbitrary: fc.constant<FrameMutation>({ kind: 'dropContentSize' }) },
  { weight: 4, arbitrary: fc.record({ kind: fc.constant('flags' as const), set: fc.constantFrom(0, 0x01, 0x02, 0x04, 0x10, 0x20, 0x80), clear: fc.constantFrom(0, 0x04, 0x20, 0x40) }) },
  { weight: 4, arbitrary: fc.record({ kind: fc.constant('bd' as const), value: fc.oneof(fc.constantFrom(0x40, 0x50, 0x60, 0x70, 0x00, 0x30, 0x80, 0x71), fc.nat(255)) }) },
  { weight: 4, arbitrary: fc.record({ kind: fc.constant('blockSize' as const), value: fc.oneof(fc.constantFrom(0, 1, 0x7fffffff, 0x80000000, 0x80000001, 0xffffffff, 4 * 2 ** 20, 4 * 2 ** 20 + 1), fc.nat(1 << 16)) }) },
  { weight: 4, arbitrary: fc.record({ kind: fc.constant('corruptChecksum' as const), which: fc.constantFrom('header' as const, 'content' as const), xor: fc.integer({ min: 1, max: 255 }) }) },
  { weight: 4, arbitrary: fc.constant<FrameMutation>({ kind: 'dropEndMark' }) },
  { weight: 4, arbitrary: fc.record({ kind: fc.constant('trailing' as const), bytes: fc.uint8Array({ minLength: 1, maxLength: 12 }) }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('bomb' as const), blocks: fc.integer({ min: 1, max: 20 }), declare: fc.boolean() }) },
);

interface Layout {
  flg: number;
  sizeAt: number | undefined;
  hcAt: number;
  firstBlock: number;
}

function layout(f: Buffer): Layout | undefined {
  if (f.length < 7 || f.readUInt32LE(0) !== LZ4_FRAME_MAGIC) return undefined;
  const flg = f[4]!;
  const hcAt = flg & 0x08 ? 14 : 6;
  if (f.length < hcAt + 1) return undefined;
  return { flg, sizeAt: flg & 0x08 ? 6 : undefined, hcAt, firstBlock: hcAt + 1 };
}

const fixChecksum = (f: Buffer, l: Layout): void => {
  f[l.hcAt] = headerChecksum(f.subarray(4, l.hcAt));
};

/** One LZ4 block (max 4 MiB) that inflates to exactly 4 MiB: a literal, then one long match at offset 1. */
function bombBlock(): Buffer {
  const out = 4 * 1024 * 1024;
  const match = out - 1 - 5; // the last 5 bytes must be literals
  let extra = match - 4 - 15;
  const parts: number[] = [0x1f, 0x61, 0x01, 0x00];
  while (extra >= 255) { parts.push(255); extra -= 255; }
  parts.push(extra, 0x50, 0x61, 0x61, 0x61, 0x61, 0x61);
  return Buffer.from(parts);
}

/** A frame of `blocks` bomb blocks (4 MiB block maximum), optionally declaring its content size. */
export function bombFrame(blocks: number, declare: boolean): Buffer {
  const header = Buffer.alloc(declare ? 15 : 7);
  header.writeUInt32LE(LZ4_FRAME_MAGIC, 0);
  header[4] = 0x60 | (declare ? 0x08 : 0);
  header[5] = 0x70;
  if (declare) {
    const size = blocks * 4 * 1024 * 1024;
    header.writeUInt32LE(size % 2 ** 32, 6);
    header.writeUInt32LE(Math.floor(size / 2 ** 32), 10);
  }
  header[header.length - 1] = headerChecksum(header.subarray(4, header.length - 1));
  const block = bombBlock();
  const word = Buffer.alloc(4);
  word.writeUInt32LE(block.length);
  return Buffer.concat([header, ...Array.from({ length: blocks }, () => Buffer.concat([word, block])), Buffer.alloc(4)]);
}

/** Apply `m` to a copy of `frame` (a frame that is not one is returned as it was, bar `bomb`). */
export function mutateFrame(frame: Uint8Array, m: FrameMutation): Uint8Array {
  if (m.kind === 'bomb') return new Uint8Array(bombFrame(m.blocks, m.declare));
  let f = Buffer.from(frame);
  const l = layout(f);
  if (!l) return new Uint8Array(f);
  switch (m.kind) {
    case 'contentSize': {
      if (l.sizeAt === undefined) {
        f = Buffer.concat([f.subarray(0, 6), Buffer.alloc(8), f.subarray(6)]);
        f[4] = l.flg | 0x08;
      }
      f.writeUInt32LE(m.size % 2 ** 32, 6);
      f.writeUInt32LE(Math.floor(m.size / 2 ** 32), 10);
      fixChecksum(f, layout(f)!);
      break;
    }
    case 'dropContentSize': {
      if (l.sizeAt === undefined) break;
      f = Buffer.concat([f.subarray(0, 6), f.subarray(14)]);
      f[4] = l.flg & ~0x08;
      fixChecksum(f, layout(f)!);
      break;
    }
    case 'flags': f[4] = (l.flg | m.set) & ~m.clear; fixChecksum(f, l); break;
    case 'bd': f[5] = m.value; fixChecksum(f, l); break;
    case 'blockSize': if (f.length >= l.firstBlock + 4) f.writeUInt32LE(m.value >>> 0, l.firstBlock); break;
    case 'corruptChecksum': {
      const i = m.which === 'header' ? l.hcAt : f.length - 1;
      f[i] = f[i]! ^ m.xor;
      break;
    }
    case 'dropEndMark': f = f.subarray(0, Math.max(l.firstBlock, f.length - (l.flg & 0x04 ? 8 : 4))); break;
    case 'trailing': f = Buffer.concat([f, m.bytes]); break;
  }
  return new Uint8Array(f);
}
