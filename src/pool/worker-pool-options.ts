import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { silentLogger, type Logger } from '../log.js';
import {
  assertLogger, assertNonEmptyString, assertNonNegativeInteger, assertNonNegativeNumber, assertPositiveInteger,
  assertPositiveNumber, fillDefaults,
} from '../util/validate.js';

/** V8 limits of each worker thread (see `worker_threads.ResourceLimits`); a thread over them dies. */
export interface WorkerResourceLimits {
  /** Main (old generation) heap, MiB. */
  maxOldGenerationSizeMb?: number;
  /** Young generation heap, MiB. */
  maxYoungGenerationSizeMb?: number;
  /** Stack, MiB. */
  stackSizeMb?: number;
}

/** Options of a `WorkerPool`; all optional except `filename`. */
export interface WorkerPoolOptions {
  /** The worker module (a `file:` URL or a path) whose default export is `defineWorker(fn)`. Required. */
  filename?: string | URL;
  /** Stage name, in errors, logs and stats. @defaultValue 'pool' */
  name?: string;
  /** Worker threads (the pool keeps exactly this many). @defaultValue 1 */
  threads?: number;
  /**
   * Tasks that may wait for a thread; one more is rejected with `ERR_POOL_QUEUE_FULL`.
   * @defaultValue threads × 4 (and follows `resize()` while not set explicitly)
   */
  maxQueue?: number;
  /** V8 limits of each thread. @defaultValue none (Node's defaults) */
  resourceLimits?: WorkerResourceLimits;
  /**
   * Longest a task may run once on a thread, ms (queue time not included); past it the thread is
   * killed and replaced and the task rejects with `ERR_STAGE_TIMEOUT`. 0 = no limit. @defaultValue 0
   */
  taskTimeoutMs?: number;
  /** Replace a thread after it has run this many tasks; 0 = never. @defaultValue 0 */
  recycleAfterTasks?: number;
  /** Replace a thread whose heap grew by more than this since its first task, MiB; 0 = off. @defaultValue 0 */
  recycleOnHeapGrowthMb?: number;
  /** On `close()`: how long running tasks may finish before their threads are killed, ms. @defaultValue 5000 */
  closeGraceMs?: number;
  /** @defaultValue silentLogger */
  logger?: Logger;
}

/** Options with every default filled in and `filename` resolved to a path. */
export interface FilledWorkerPoolOptions {
  filename: string;
  name: string;
  threads: number;
  /** `undefined` = follow `threads × 4`. */
  maxQueue: number | undefined;
  resourceLimits: WorkerResourceLimits | undefined;
  taskTimeoutMs: number;
  recycleAfterTasks: number;
  recycleOnHeapGrowthMb: number;
  closeGraceMs: number;
  logger: Logger;
}

/** Queue slots per thread when `maxQueue` is not given. */
export const QUEUE_PER_THREAD = 4;

const kDefaults: Readonly<Omit<FilledWorkerPoolOptions, 'filename'>> = Object.freeze({
  name: 'pool',
  threads: 1,
  maxQueue: undefined,
  resourceLimits: undefined,
  taskTimeoutMs: 0,
  recycleAfterTasks: 0,
  recycleOnHeapGrowthMb: 0,
  closeGraceMs: 5000,
  logger: silentLogger,
});

/** Validate `options` (a `TypeError` names the first bad field) and fill in the defaults. */
export function fillWorkerPoolOptions(options: WorkerPoolOptions): FilledWorkerPoolOptions {
  if (typeof options !== 'object' || options === null) throw new TypeError('options must be an object');
  const { filename: given, ...rest } = options;
  const filename = resolveFilename(given);
  const o = fillDefaults<Omit<FilledWorkerPoolOptions, 'filename'>>(kDefaults, rest);
  assertNonEmptyString('options.name', o.name);
  assertPositiveInteger('options.threads', o.threads);
  if (o.maxQueue !== undefined) assertNonNegativeInteger('options.maxQueue', o.maxQueue);
  if (o.resourceLimits !== undefined) checkResourceLimits(o.resourceLimits);
  assertNonNegativeInteger('options.taskTimeoutMs', o.taskTimeoutMs);
  assertNonNegativeInteger('options.recycleAfterTasks', o.recycleAfterTasks);
  assertNonNegativeNumber('options.recycleOnHeapGrowthMb', o.recycleOnHeapGrowthMb);
  assertNonNegativeInteger('options.closeGraceMs', o.closeGraceMs);
  assertLogger('options.logger', o.logger);
  return { ...o, filename };
}

function resolveFilename(filename: unknown): string {
  let path: string;
  if (filename instanceof URL) path = fileURLToPath(filename);
  else if (typeof filename === 'string' && filename.startsWith('file:')) path = fileURLToPath(filename);
  else if (typeof filename === 'string' && filename.length > 0) path = filename;
  else throw new TypeError('options.filename must be a file URL or a path');
  // A missing module would otherwise surface only as every task's worker dying.
  if (!existsSync(path)) throw new TypeError(`options.filename must name an existing file (got ${path})`);
  return path;
}

function checkResourceLimits(limits: unknown): void {
  if (typeof limits !== 'object' || limits === null) throw new TypeError('options.resourceLimits must be an object');
  const l = limits as Record<string, unknown>;
  for (const key of ['maxOldGenerationSizeMb', 'maxYoungGenerationSizeMb', 'stackSizeMb'] as const) {
    if (l[key] !== undefined) assertPositiveNumber(`options.resourceLimits.${key}`, l[key]);
  }
}
