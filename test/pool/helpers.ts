import { setTimeout as sleep } from 'node:timers/promises';
import { WorkerPool } from '../../src/pool/index.js';
import type { WorkerPoolOptions } from '../../src/pool/index.js';
import type { Ran, Task } from '../fixtures/workers/tasks.js';

export type { Ran, Task };

/** The compiled fixture worker (tests run from dist/). */
export const TASKS = new URL('../fixtures/workers/tasks.js', import.meta.url);
export const RAW = new URL('../fixtures/workers/raw.js', import.meta.url);

/** Poll `cond` until true; fails loudly after `timeoutMs` (generous: this box has 2 cores). */
export async function waitFor(what: string, cond: () => boolean, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!cond()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(5);
  }
}

/**
 * Shared flags for a `gate` task: [0] set by the worker when it runs, [1] set by the test to let it
 * end, [2] the worker's threadId.
 */
export class Gate {
  readonly flags = new Int32Array(new SharedArrayBuffer(12));
  get started(): boolean { return Atomics.load(this.flags, 0) === 1; }
  get threadId(): number { return Atomics.load(this.flags, 2); }
  open(): void { Atomics.store(this.flags, 1, 1); }
  task(value?: unknown): Task { return { kind: 'gate', flags: this.flags, value }; }
}

/** Pools opened by a test file, closed after each test. */
export class Pools {
  readonly #open: WorkerPool[] = [];
  make(options: WorkerPoolOptions = {}): WorkerPool {
    const p = new WorkerPool({ filename: TASKS, closeGraceMs: 200, ...options });
    this.#open.push(p);
    return p;
  }
  async closeAll(): Promise<void> {
    await Promise.all(this.#open.splice(0).map((p) => p.close()));
  }
}

/** Run a task and get the worker's report. */
export function runTask<T = unknown>(pool: WorkerPool, task: Task, signal?: AbortSignal): Promise<Ran<T>> {
  return pool.run<Ran<T>>(task, signal ? { signal } : {});
}
