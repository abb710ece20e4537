/**
 * The regression corpus: every input that ever crashed a target (an untyped error, a hang, the
 * process dying) is kept under test/fixtures/fuzz/regressions/<target>/ as `<sha1 of the bytes>.bin`,
 * with `<sha1>.json` beside it holding what else the target needs to replay it (headers, message
 * kind, file name, MIME type) and why it was kept.
 *
 * A process that dies cannot save what killed it, so each input is first written to an in-flight
 * journal in the temp dir, named by pid; the next run adopts the journal of any dead process.
 */
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { SHARES, type Target } from './budget.js';

/** What a target needs besides the bytes to replay an input; plain JSON. */
export type CaseMeta = Record<string, unknown>;

/** One fuzz input: the bytes and how to feed them to the target. */
export interface FuzzInput {
  bytes: Uint8Array;
  meta: CaseMeta;
}

/** A kept input and why it was kept. */
export interface Regression extends FuzzInput {
  file: string;
  why: string;
}

/** The source tree's folder (tests run from dist/, the corpus lives in the source tree). */
export const REGRESSIONS_DIR = fileURLToPath(new URL('../../../test/fixtures/fuzz/regressions/', import.meta.url));

const sha1 = (bytes: Uint8Array): string => createHash('sha1').update(bytes).digest('hex');

/** Keep `input` as a regression of `target`; returns the path of its .bin file. */
export function saveRegression(target: Target, input: FuzzInput, why: string): string {
  const dir = join(REGRESSIONS_DIR, target);
  mkdirSync(dir, { recursive: true });
  const name = sha1(input.bytes);
  const file = join(dir, `${name}.bin`);
  writeFileSync(file, input.bytes);
  writeFileSync(join(dir, `${name}.json`), `${JSON.stringify({ ...input.meta, why: why.slice(0, 2000) }, null, 2)}\n`);
  return file;
}

/** Every kept input of `target` (none when its folder does not exist yet). */
export function loadRegressions(target: Target): Regression[] {
  const dir = join(REGRESSIONS_DIR, target);
  if (!existsSync(dir)) return [];
  return readdirSync(dir).filter((f) => f.endsWith('.bin')).sort().map((f) => {
    const file = join(dir, f);
    const side = file.replace(/\.bin$/, '.json');
    const { why, ...meta } = existsSync(side) ? (JSON.parse(readFileSync(side, 'utf8')) as CaseMeta) : {};
    return { file, bytes: new Uint8Array(readFileSync(file)), meta, why: typeof why === 'string' ? why : '' };
  });
}

const JOURNAL_DIR = join(tmpdir(), 'docflow-fuzz-inflight');

/** In-flight record: 4-byte length of the JSON meta, the meta, then the bytes; one write an input. */
function encodeRecord(input: FuzzInput): Buffer {
  const meta = Buffer.from(JSON.stringify(input.meta));
  const head = Buffer.alloc(4);
  head.writeUInt32LE(meta.length);
  return Buffer.concat([head, meta, input.bytes]);
}

function decodeRecord(buf: Buffer): FuzzInput {
  const n = buf.readUInt32LE(0);
  return { meta: JSON.parse(buf.subarray(4, 4 + n).toString('utf8')) as CaseMeta, bytes: new Uint8Array(buf.subarray(4 + n)) };
}

/** The input a target is running now, on disk, so that its crash leaves it behind. */
export class Journal {
  readonly #file: string;

  constructor(target: Target) {
    mkdirSync(JOURNAL_DIR, { recursive: true });
    this.#file = join(JOURNAL_DIR, `${process.pid}.${target}.bin`);
  }

  write(input: FuzzInput): void {
    writeFileSync(this.#file, encodeRecord(input));
  }

  /** The target finished: nothing is in flight. */
  clear(): void {
    rmSync(this.#file, { force: true });
  }
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * Move the journals of fuzz runs whose process died into the regression corpus.
 * @returns the regression files written.
 */
export function adoptOrphans(): string[] {
  if (!existsSync(JOURNAL_DIR)) return [];
  const adopted: string[] = [];
  for (const f of readdirSync(JOURNAL_DIR)) {
    const m = /^(\d+)\.([a-z-]+)\.bin$/.exec(f);
    if (!m || alive(Number(m[1])) || !Object.hasOwn(SHARES, m[2]!)) continue;
    const path = join(JOURNAL_DIR, f);
    adopted.push(saveRegression(m[2] as Target, decodeRecord(readFileSync(path)), `process ${m[1]} died while running this input`));
    rmSync(path, { force: true });
  }
  return adopted;
}
