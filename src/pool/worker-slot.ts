import { fileURLToPath, pathToFileURL } from 'node:url';
import type { TransferListItem, Worker } from 'node:worker_threads';
import { Piscina } from 'piscina';
import type { Logger } from '../log.js';
import type { WorkerVitals } from './worker-entry.js';
import type { WorkerResourceLimits } from './worker-pool-options.js';

/** The CommonJS module piscina loads; it imports the real worker module (see worker-shim.cts for why). */
const SHIM = fileURLToPath(new URL('./worker-shim.cjs', import.meta.url));
/** The `workerData` key the shim reads the worker module's URL from (same string as in worker-shim.cts). */
const SHIM_KEY = 'docflowWorkerModule';

/** What a slot needs to start its thread. */
export interface SlotConfig {
  filename: string;
  pool: string;
  resourceLimits: WorkerResourceLimits | undefined;
  logger: Logger;
}

/** Why a thread is due for replacement. */
export type RecycleReason = 'tasks' | 'heap';

/** The thresholds that make a thread due for replacement (0 = off). */
export interface RecycleLimits {
  recycleAfterTasks: number;
  recycleOnHeapGrowthBytes: number;
}

/**
 * One worker thread of a `WorkerPool`, held as a single-thread Piscina.
 *
 * Why one Piscina per thread: piscina cannot retire a chosen thread, and a thread that exits on its
 * own races with piscina handing it the next task (that task would fail). With one instance per
 * thread and at most one task per slot (the pool dispatches only to idle slots), replacing a thread
 * is "swap in a fresh instance, destroy the idle old one": no task is ever in flight on it.
 * Piscina still does the rest: spawning, messaging, killing and replacing a thread whose task is
 * aborted or that dies.
 */
export class WorkerSlot {
  /** True while a task of the pool runs on this slot. */
  busy = false;
  /** Set by a shrinking `resize()`: the slot takes no new task and goes when its task ends. */
  retiring = false;
  readonly #config: SlotConfig;
  #piscina: Piscina;
  #threadId: number | undefined;
  #baselineHeap = 0;
  #lastHeap: number | undefined;

  constructor(config: SlotConfig) {
    this.#config = config;
    this.#piscina = this.#spawn();
  }

  /** Run one task on this slot's thread; resolves with the worker's raw reply. */
  run(task: unknown, signal: AbortSignal, transferList: readonly TransferListItem[] | undefined): Promise<unknown> {
    return this.#piscina.run(task, { signal, transferList: transferList as never });
  }

  /**
   * Take in the vitals reported with a reply and say whether the thread is due for replacement.
   * A new `threadId` (piscina replaced a dead thread) starts a new heap baseline.
   */
  observe(v: WorkerVitals, limits: RecycleLimits): RecycleReason | undefined {
    if (v.threadId !== this.#threadId) {
      this.#threadId = v.threadId;
      this.#baselineHeap = v.heapUsed;
    }
    this.#lastHeap = v.heapUsed;
    if (limits.recycleAfterTasks > 0 && v.tasks >= limits.recycleAfterTasks) return 'tasks';
    if (limits.recycleOnHeapGrowthBytes > 0 && v.heapUsed - this.#baselineHeap > limits.recycleOnHeapGrowthBytes) return 'heap';
    return undefined;
  }

  /** Heap last reported by the current thread, bytes (`undefined` before its first task). */
  get lastHeapUsed(): number | undefined {
    return this.#lastHeap;
  }

  /** The live `Worker` objects of this slot (one, or none while piscina replaces a dead one). */
  get threads(): Worker[] {
    return this.#piscina.threads;
  }

  /**
   * Replace the thread with a fresh one. Call only while the slot is idle. Resolves when the old
   * thread has exited; the new one takes tasks at once.
   */
  recycle(): Promise<void> {
    const old = this.#piscina;
    this.#piscina = this.#spawn();
    this.#threadId = undefined;
    this.#lastHeap = undefined;
    return old.destroy();
  }

  /** Kill the thread (a running task rejects). Resolves when it has exited. */
  destroy(): Promise<void> {
    return this.#piscina.destroy();
  }

  #spawn(): Piscina {
    const { filename, resourceLimits, logger, pool } = this.#config;
    const piscina = new Piscina({
      filename: SHIM,
      workerData: { [SHIM_KEY]: pathToFileURL(filename).href },
      minThreads: 1,
      maxThreads: 1,
      // Per-task timing is measured by the pool; piscina's histogram would only cost.
      recordTiming: false,
      ...(resourceLimits === undefined ? {} : { resourceLimits }),
    });
    // Piscina emits 'error' for a thread that fails with no task on it; unhandled it would crash us.
    piscina.on('error', (err: unknown) => logger.warn({ pool, err }, 'worker thread failed while idle'));
    return piscina;
  }
}
