/**
 * What each target does with one input and what it must never do, shared by the fuzz tests and the
 * regression replay: the decode path may throw only ERR_CODEC_* errors (and what it accepts can be
 * encoded again); an extractor may throw only ERR_EXTRACT_* errors, never hide a fault of docflow's
 * own code behind ERR_EXTRACT_CORRUPT, and returns text within its limit and valid sections; on the
 * worker pool, a task never kills its thread or runs into the timeout.
 */
import assert from 'node:assert/strict';
import type { IncomingHeaders } from '../../src/codec/index.js';
import { DocflowError } from '../../src/errors/index.js';
import { extract, type Extracted, type ExtractInput, type ExtractOptions } from '../../src/extract/index.js';
import type { ExtractTask } from '../../src/extract/worker.js';
import { poolSettings } from '../../src/config/load.js';
import { WorkerPool } from '../../src/pool/index.js';
import { assertValid } from '../extract/helpers.js';
import { typedOutcome, type Outcome } from './harness.js';
import type { FuzzInput } from './regressions.js';
import { codec, CONFIG, KINDS } from './seeds.js';

/** The extract limits docflow ships (config/default.yaml `extract`). */
export const EXTRACT_OPTIONS: Readonly<ExtractOptions> = CONFIG.extract;

/** Decode `bytes` as the kind named in `meta.kind` with `meta.headers`; re-encode what is accepted. */
export function checkDecode(input: FuzzInput): Outcome {
  const kind = KINDS[String(input.meta['kind'])];
  assert.ok(kind, `unknown message kind ${String(input.meta['kind'])}`);
  let value: unknown;
  try {
    value = codec.decode(kind, input.bytes, input.meta['headers'] as IncomingHeaders);
  } catch (err) {
    return typedOutcome(err, 'ERR_CODEC_');
  }
  // Accepted means valid: the runner and the dead-letter path encode what they decoded.
  try {
    codec.encode(kind, value as never);
  } catch (err) {
    return `ok, re-encode ${typedOutcome(err, 'ERR_CODEC_')}`;
  }
  return 'ok';
}

/** The first stack frame of `err`, when it lies in docflow's own compiled code. */
function ownFrame(err: unknown): string | undefined {
  if (!(err instanceof TypeError || err instanceof RangeError || err instanceof ReferenceError || err instanceof SyntaxError)) return undefined;
  const frame = err.stack?.split('\n').find((l) => l.trimStart().startsWith('at '));
  return frame && /\/dist\/src\//.test(frame) ? frame.trim() : undefined;
}

function checkExtracted(r: Extracted, o: Readonly<ExtractOptions>): Outcome {
  assertValid(r);
  assert.ok(r.text.length <= o.maxChars, `text of ${r.text.length} characters is over maxChars ${o.maxChars}`);
  return 'ok';
}

/** The document of an input: its bytes, and the name and MIME type it came with, if any. */
function docOf(input: FuzzInput): ExtractInput {
  const doc: ExtractInput = { bytes: input.bytes };
  if (typeof input.meta['name'] === 'string') doc.name = input.meta['name'];
  if (typeof input.meta['mime'] === 'string') doc.mime = input.meta['mime'];
  return doc;
}

/** Extract in this thread, with docflow's shipped limits. */
export async function checkExtract(input: FuzzInput, options: Readonly<ExtractOptions> = EXTRACT_OPTIONS): Promise<Outcome> {
  let r: Extracted;
  try {
    r = await extract(docOf(input), options);
  } catch (err) {
    const code = typedOutcome(err, 'ERR_EXTRACT_');
    const frame = err instanceof DocflowError ? ownFrame(err.cause) : undefined;
    assert.ok(frame === undefined, `a fault in docflow's own code surfaced as ${code}: ${(err as DocflowError).cause instanceof Error ? ((err as DocflowError).cause as Error).stack : ''}`);
    return code;
  }
  return checkExtracted(r, options);
}

/** Extract on `pool` (the extract stage's worker module); a dead thread or a timeout fails. */
export async function checkOnPool(pool: WorkerPool, input: FuzzInput, options: Readonly<ExtractOptions> = EXTRACT_OPTIONS): Promise<Outcome> {
  let r: Extracted;
  try {
    r = await pool.run<Extracted>({ ...docOf(input), options: { ...options } } satisfies ExtractTask);
  } catch (err) {
    return typedOutcome(err, 'ERR_EXTRACT_');
  }
  return checkExtracted(r, options);
}

/**
 * Production's task timeout is 120 s, for legitimately slow documents; these seeds take milliseconds,
 * so anything near this is a hang.
 */
export const FUZZ_TASK_TIMEOUT_MS = 15_000;

/** The extract stage's pool as src/runtime/stage-host.ts builds it, bar the timeout. */
export function extractPool(): WorkerPool {
  const p = poolSettings(CONFIG, 'extract');
  return new WorkerPool({
    name: 'extract', filename: new URL('../../src/extract/worker.js', import.meta.url), threads: p.threads, taskTimeoutMs: FUZZ_TASK_TIMEOUT_MS,
    recycleAfterTasks: p.recycleAfterTasks, recycleOnHeapGrowthMb: p.recycleOnHeapGrowthMb, closeGraceMs: 200,
    ...(p.maxOldGenerationSizeMb > 0 ? { resourceLimits: { maxOldGenerationSizeMb: p.maxOldGenerationSizeMb } } : {}),
  });
}
