import { fileURLToPath, pathToFileURL } from 'node:url';
import { Worker, type TransferListItem } from 'node:worker_threads';
import type { Logger } from '../log.js';
import { isWorkerReply } from './worker-entry.js';
import type { WorkerResourceLimits } from './worker-pool-options.js';

/** The CommonJS entry of every thread (see worker-shim.cts for the protocol and why CommonJS). */
const SHIM = fileURLToPath(new URL('./worker-shim.cjs', import.meta.url));

/**
 * Tasks a thread holds at most: the one it runs and one posted behind it, so that it starts the next
 * task as soon as it finishes one instead of idling until the main thread hears of it and answers.
 */
export const TASKS_PER_THREAD = 2;

/** What a slot needs to start its threads. */
export interface SlotConfig {
  filename: string;
  pool: string;
  resourceLimits: WorkerResourceLimits | undefined;
  recycleAfterTasks: number;
  recycleOnHeapGrowthBytes: number;
  logger: Logger;
}

/** Why a thread is due for replacement. */
export type RecycleReason = 'tasks' | 'heap';

/** A task as a slot holds it; `id` and `cell` are the slot's while the task is posted. */
export interface SlotTask {
  readonly task: unknown;
  readonly transferList: readonly TransferListItem[] | undefined;
  id: number;
  cell: number;
}

/** What a thread sends back for a task it ran (see worker-shim.cts). */
export interface ShimReply {
  id: number;
  reply?: unknown;
  /** The thread is due for replacement and starts no further task. */
  retire?: RecycleReason;
  /** The task could not run as a `defineWorker` task, or its result could not be sent. */
  thrown?: string;
}

/** How a slot reports to its pool. */
export interface SlotEvents<T extends SlotTask> {
  /** The thread finished `task`, which is no longer held. */
  reply(slot: WorkerSlot<T>, task: T, msg: ShimReply): void;
  /**
   * The thread died on its own (uncaught error, exit, out of memory, terminated from outside).
   * `started` was running on it; `unstarted` never ran and were taken back. Neither is held any more.
   */
  death(slot: WorkerSlot<T>, started: T | undefined, unstarted: T[], cause: unknown): void;
}

/** One worker thread and the shared cells of the tasks posted to it. */
interface Thread {
  worker: Worker;
  cells: Int32Array;
  freeCells: number[];
  /** Set by the 'error' event that precedes an 'exit'. */
  cause: unknown;
  /** The thread has sent at least one reply. */
  replied: boolean;
}

/**
 * One position of a `WorkerPool`: a worker thread (replaced when it dies, is recycled or must be
 * killed) and the tasks posted to it, oldest first. The oldest is running or about to; the others
 * wait on the thread and can be taken back until the thread starts them.
 */
export class WorkerSlot<T extends SlotTask> {
  /** Set by a shrinking `resize()`: the slot takes no new task and goes when its tasks end. */
  retiring = false;
  /** Tasks posted to the current thread, oldest first. */
  readonly held: T[] = [];
  /** When the oldest held task became the oldest, `performance.now()` ms. */
  headSince = 0;
  /** Threads in a row that died before starting any task (a thread that cannot even boot). */
  bootFailures = 0;
  readonly #config: SlotConfig;
  readonly #events: SlotEvents<T>;
  #thread: Thread | undefined;
  #nextId = 1;
  #threadId: number | undefined;
  #baselineHeap = 0;
  #lastHeap: number | undefined;

  constructor(config: SlotConfig, events: SlotEvents<T>) {
    this.#config = config;
    this.#events = events;
    this.#thread = this.#spawn();
  }

  /**
   * Post `t` to the thread (a fresh one if there is none). Throws what `postMessage` throws (a task
   * that cannot be cloned), in which case `t` is not held.
   */
  post(t: T): void {
    const th = (this.#thread ??= this.#spawn());
    const cell = th.freeCells.pop();
    if (cell === undefined) throw new Error(`slot of pool "${this.#config.pool}" holds ${TASKS_PER_THREAD} tasks already`);
    t.id = this.#nextId++;
    t.cell = cell;
    Atomics.store(th.cells, cell, t.id);
    try {
      th.worker.postMessage({ id: t.id, cell, task: t.task }, t.transferList as TransferListItem[] | undefined);
    } catch (err) {
      Atomics.store(th.cells, cell, 0);
      th.freeCells.push(cell);
      throw err;
    }
    if (this.held.push(t) === 1) {
      this.headSince = performance.now();
      th.worker.ref();
    }
  }

  /** True once the thread has started `t` (it can then only finish, fail, or be killed). */
  started(t: T): boolean {
    return this.#thread !== undefined && Atomics.load(this.#thread.cells, t.cell) === -t.id;
  }

  /** Take `t` back if the thread has not started it; it is then no longer held. */
  takeBack(t: T): boolean {
    const th = this.#thread;
    if (th === undefined || Atomics.compareExchange(th.cells, t.cell, t.id, 0) !== t.id) return false;
    this.#release(th, t);
    return true;
  }

  /** Take back every held task the thread has not started, oldest first. */
  takeBackUnstarted(): T[] {
    return this.held.filter((t) => !this.started(t)).filter((t) => this.takeBack(t));
  }

  /**
   * Stop holding every task and kill the thread; a fresh one starts at once unless the slot is
   * retiring. Take back the unstarted tasks first. Resolves when the old thread has exited.
   */
  replace(): Promise<void> {
    const old = this.#detach();
    if (!this.retiring) this.#thread = this.#spawn();
    return old === undefined ? Promise.resolve() : terminate(old.worker);
  }

  /** Stop holding every task and kill the thread for good. Resolves when it has exited. */
  destroy(): Promise<void> {
    const old = this.#detach();
    return old === undefined ? Promise.resolve() : terminate(old.worker);
  }

  /** Heap last reported by the current thread, bytes (`undefined` before its first task). */
  get lastHeapUsed(): number | undefined {
    return this.#lastHeap;
  }

  /** The live `Worker` of this slot (none between a death and the next task). */
  get threads(): Worker[] {
    return this.#thread === undefined ? [] : [this.#thread.worker];
  }

  #detach(): Thread | undefined {
    const old = this.#thread;
    this.#thread = undefined;
    this.held.length = 0;
    this.#threadId = undefined;
    this.#lastHeap = undefined;
    return old;
  }

  #release(th: Thread, t: T): void {
    const i = this.held.indexOf(t);
    if (i < 0) return;
    this.held.splice(i, 1);
    th.freeCells.push(t.cell);
    if (i === 0) this.headSince = performance.now();
    if (this.held.length === 0) th.worker.unref();
  }

  #onMessage(th: Thread, msg: ShimReply): void {
    if (th !== this.#thread) return; // a thread being replaced: its tasks were settled already
    const t = this.held.find((x) => x.id === msg.id);
    if (t === undefined) return;
    Atomics.store(th.cells, t.cell, 0);
    this.#release(th, t);
    th.replied = true;
    this.bootFailures = 0;
    if (isWorkerReply(msg.reply)) this.#observe(msg.reply.threadId, msg.reply.heapUsed);
    this.#events.reply(this, t, msg);
  }

  #onExit(th: Thread, code: number): void {
    if (th !== this.#thread) return; // killed by us: already handled
    const started = this.held.find((t) => this.started(t));
    const unstarted = this.takeBackUnstarted();
    this.#detach();
    const booted = th.replied || started !== undefined;
    if (!booted) this.bootFailures++;
    // A thread that ran tasks is replaced at once; one that could not boot only when work comes.
    if (booted && !this.retiring) this.#thread = this.#spawn();
    this.#events.death(this, started, unstarted, th.cause ?? new Error(`worker thread exited with code ${code}`));
  }

  /** A new `threadId` (a replaced thread) starts a new heap baseline. */
  #observe(threadId: number, heapUsed: number): void {
    if (threadId !== this.#threadId) {
      this.#threadId = threadId;
      this.#baselineHeap = heapUsed;
    }
    this.#lastHeap = heapUsed;
  }

  #spawn(): Thread {
    const { filename, resourceLimits, recycleAfterTasks, recycleOnHeapGrowthBytes, logger, pool } = this.#config;
    const cells = new Int32Array(new SharedArrayBuffer(TASKS_PER_THREAD * Int32Array.BYTES_PER_ELEMENT));
    const worker = new Worker(SHIM, {
      workerData: {
        docflowWorkerModule: pathToFileURL(filename).href,
        docflowCells: cells,
        docflowRecycleAfterTasks: recycleAfterTasks,
        docflowRecycleOnHeapGrowthBytes: recycleOnHeapGrowthBytes,
      },
      ...(resourceLimits === undefined ? {} : { resourceLimits }),
    });
    const th: Thread = { worker, cells, freeCells: Array.from({ length: TASKS_PER_THREAD }, (_, i) => i), cause: undefined, replied: false };
    worker.on('message', (msg: ShimReply) => this.#onMessage(th, msg));
    // Unhandled, a thread's 'error' would crash the process; 'exit' follows it and settles the tasks.
    worker.on('error', (err: unknown) => {
      th.cause = err;
      if (th === this.#thread && this.held.length === 0) logger.warn({ pool, err }, 'worker thread failed while idle');
    });
    worker.on('exit', (code: number) => this.#onExit(th, code));
    worker.unref();
    return th;
  }
}

async function terminate(worker: Worker): Promise<void> {
  await worker.terminate();
}
