/** Shared helpers of the codec tests: error assertions, the lz4 command line, hand-made LZ4 frames. */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { CodecError, type ErrorCode } from '../../src/errors/index.js';
import { headerChecksum } from '../../src/codec/lz4-frame.js';

/** Assert that `fn` throws a CodecError with exactly `code`; returns it for more checks. */
export function throwsCode(fn: () => unknown, code: ErrorCode): CodecError {
  try {
    fn();
  } catch (err) {
    assert.ok(err instanceof CodecError, `expected a CodecError, got ${String(err)}`);
    assert.equal(err.code, code, `expected ${code}, got ${err.code}: ${err.message}`);
    return err;
  }
  assert.fail(`expected ${code}, nothing was thrown`);
}

export const LZ4_INSTALL_HINT = 'install lz4: apt-get install -y lz4';

/** Run the `lz4` command line with `input` on stdin; fails the test (never skips) when lz4 is missing. */
export function lz4Cli(args: string[], input?: Uint8Array): Buffer {
  const r = spawnSync('lz4', args, { input, maxBuffer: 256 * 1024 * 1024 });
  if (r.error && (r.error as NodeJS.ErrnoException).code === 'ENOENT') assert.fail(LZ4_INSTALL_HINT);
  if (r.error) throw r.error;
  assert.equal(r.status, 0, `lz4 ${args.join(' ')} failed: ${r.stderr.toString()}`);
  return r.stdout;
}

/** One block of a hand-made frame: its data and whether it is stored uncompressed. */
export interface FrameBlock {
  data: Uint8Array;
  uncompressed?: boolean;
}

/**
 * Build an LZ4 frame by hand (no checksums unless asked): a valid header checksum over whatever the
 * header declares, so tests reach the checks behind it.
 */
export function makeFrame(opts: { blockSizeIndex?: number; contentSize?: number; blocks: FrameBlock[]; endMark?: boolean }): Buffer {
  const hasSize = opts.contentSize !== undefined;
  const header = Buffer.alloc(hasSize ? 15 : 7);
  header.writeUInt32LE(0x184d2204, 0);
  header[4] = 0x60 | (hasSize ? 0x08 : 0);
  header[5] = (opts.blockSizeIndex ?? 7) << 4;
  if (hasSize) {
    header.writeUInt32LE(opts.contentSize! % 2 ** 32, 6);
    header.writeUInt32LE(Math.floor(opts.contentSize! / 2 ** 32), 10);
  }
  header[header.length - 1] = headerChecksum(header.subarray(4, header.length - 1));
  const parts: Buffer[] = [header];
  for (const b of opts.blocks) {
    const size = Buffer.alloc(4);
    size.writeUInt32LE((b.data.length | (b.uncompressed ? 0x80000000 : 0)) >>> 0);
    parts.push(size, Buffer.from(b.data));
  }
  if (opts.endMark !== false) parts.push(Buffer.alloc(4));
  return Buffer.concat(parts);
}

/** Heap and array-buffer bytes in use now. */
export function memoryInUse(): number {
  const m = process.memoryUsage();
  return m.heapUsed + m.arrayBuffers;
}

/** Run `fn`; returns elapsed ms and growth of heap + array buffers in bytes. */
export function measure(fn: () => void): { ms: number; grewBytes: number } {
  const before = memoryInUse();
  const t0 = performance.now();
  fn();
  const ms = performance.now() - t0;
  return { ms, grewBytes: memoryInUse() - before };
}

/** Same headers with every name in another case. */
export function oddCase(headers: Record<string, string>, how: 'lower' | 'upper' | 'mixed'): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(headers)) {
    const name = how === 'lower' ? k.toLowerCase() : how === 'upper' ? k.toUpperCase() : [...k].map((c, i) => (i % 2 ? c.toLowerCase() : c.toUpperCase())).join('');
    out[name] = v;
  }
  return out;
}
