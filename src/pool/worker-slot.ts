import { fileURLToPath, pathToFileURL } from 'node:url';
import type { TransferListItem, Worker } from 'node:worker_threads';
import { Piscina } from 'piscina';
import type { Logger } from '../log.js';
import { isWorkerReply } from './worker-entry.js';
import type { WorkerResourceLimits } from './worker-pool-options.js';

/** The CommonJS module piscina loads; it runs the real worker module (see worker-shim.cts for the protocol). */
const SHIM = fileURLToPath(new URL('./worker-shim.cjs', import.meta.url));

/**
 * Tasks a thread holds at most: the one it runs and one posted behind it, so that it starts the next
 * task as soon as it finishes one instead of idling until the main thread hears of it and answers.
 */
export const TASKS_PER_THREAD = 2;

/**
 * Tasks piscina may have posted to the thread at once: the ones held plus ones taken back whose
 * `skipped` answer has not come yet. Above TASKS_PER_THREAD so that piscina never queues a task
 * behind those (the pool already bounds what a slot holds).
 */
const PISCINA_TASKS_PER_THREAD = 4 * TASKS_PER_THREAD;

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
  reply?: unknown;
  /** The thread is due for replacement and starts no further task. */
  retire?: RecycleReason;
  /** The task could not run as a `defineWorker` task. */
  thrown?: string;
  /** The thread did not run the task: the pool took it back, or the thread retired. */
  skipped?: true;
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

/** One single-thread Piscina and the shared cells of the tasks posted to it. */
interface Thread {
  piscina: Piscina;
  cells: Int32Array;
  freeCells: number[];
  /** The thread has sent at least one reply. */
  replied: boolean;
}

/**
 * One position of a `WorkerPool`: a worker thread, held as a single-thread Piscina, and the tasks
 * posted to it, oldest first. The oldest is running or about to; the others wait on the thread and
 * can be taken back until the thread starts them.
 *
 * Why one Piscina per thread: piscina cannot retire a chosen thread, and a thread that exits on its
 * own races with piscina handing it the next task. With one instance per thread, replacing a thread
 * (recycled, killed for an abort or a timeout, dead) is "take back what it has not started, swap in a
 * fresh instance, destroy the old one". Tasks go to piscina without an AbortSignal: piscina would
 * then post nothing behind them; aborting a running task is this slot's `replace()`.
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
  #lastHeap: number | undefined;

  constructor(config: SlotConfig, events: SlotEvents<T>) {
    this.#config = config;
    this.#events = events;
    this.#thread = this.#spawn();
  }

  /** Post `t` to the thread (a fresh one if there is none). */
  post(t: T): void {
    const th = (this.#thread ??= this.#spawn());
    const cell = th.freeCells.pop();
    if (cell === undefined) throw new Error(`slot of pool "${this.#config.pool}" holds ${TASKS_PER_THREAD} tasks already`);
    t.id = this.#nextId++;
    t.cell = cell;
    Atomics.store(th.cells, cell, t.id);
    // A task that cannot be cloned rejects like a thread death; #onRejected tells them apart.
    th.piscina.run({ id: t.id, cell, task: t.task }, t.transferList ? { transferList: t.transferList as never } : {}).then(
      (msg: ShimReply) => this.#onReply(th, t, msg),
      (err: unknown) => this.#onRejected(th, t, err),
    );
    if (this.held.push(t) === 1) this.headSince = performance.now();
  }

  /** True once the thread has started `t` (it can then only finish, fail, or be killed). */
  started(t: T): boolean {
    return this.#thread !== undefined && Atomics.load(this.#thread.cells, t.cell) === -t.id;
  }

  /** Take `t` back if the thread has not started it; it is then no longer held. */
  takeBack(t: T): boolean {
    const th = this.#thread;
    if (th === undefined || !this.held.includes(t) || Atomics.compareExchange(th.cells, t.cell, t.id, 0) !== t.id) return false;
    this.#release(th, t);
    return true;
  }

  /** Take back every held task the thread has not started, oldest first. */
  takeBackUnstarted(): T[] {
    // A copy: takeBack removes from `held` as it goes.
    return [...this.held].filter((t) => this.takeBack(t));
  }

  /**
   * Stop holding every task and kill the thread; a fresh one starts at once unless the slot is
   * retiring. Take back the unstarted tasks first. Resolves when the old thread has exited.
   */
  replace(): Promise<void> {
    const old = this.#detach();
    if (!this.retiring) this.#thread = this.#spawn();
    return old === undefined ? Promise.resolve() : old.piscina.destroy();
  }

  /** Stop holding every task and kill the thread for good. Resolves when it has exited. */
  destroy(): Promise<void> {
    const old = this.#detach();
    return old === undefined ? Promise.resolve() : old.piscina.destroy();
  }

  /** Heap last reported by the current thread, bytes (`undefined` before its first task). */
  get lastHeapUsed(): number | undefined {
    return this.#lastHeap;
  }

  /** The live `Worker` of this slot (none between a death and the next task). */
  get threads(): Worker[] {
    return this.#thread?.piscina.threads ?? [];
  }

  #detach(): Thread | undefined {
    const old = this.#thread;
    this.#thread = undefined;
    this.held.length = 0;
    this.#lastHeap = undefined;
    return old;
  }

  #release(th: Thread, t: T): void {
    const i = this.held.indexOf(t);
    if (i < 0) return;
    this.held.splice(i, 1);
    th.freeCells.push(t.cell);
    if (i === 0) this.headSince = performance.now();
  }

  #onReply(th: Thread, t: T, msg: ShimReply): void {
    // From a thread already replaced, or for a task taken back: settled already.
    if (th !== this.#thread || msg.skipped === true || !this.held.includes(t)) return;
    Atomics.store(th.cells, t.cell, 0);
    this.#release(th, t);
    th.replied = true;
    this.bootFailures = 0;
    if (isWorkerReply(msg.reply)) this.#lastHeap = msg.reply.heapUsed;
    this.#events.reply(this, t, msg);
  }

  /**
   * Piscina rejects every task of a thread that died. The first rejection from the current thread
   * settles them all: the started task fails, the others are taken back; later ones find the thread
   * replaced. A task that cannot be posted at all (not cloneable) rejects the same way, but only
   * the task itself is concerned.
   */
  #onRejected(th: Thread, t: T, err: unknown): void {
    if (th !== this.#thread || !this.held.includes(t)) return;
    if (isCloneError(err)) {
      Atomics.store(th.cells, t.cell, 0);
      this.#release(th, t);
      this.#events.death(this, t, [], err);
      return;
    }
    const started = this.held.find((x) => this.started(x));
    const unstarted = this.takeBackUnstarted();
    const booted = th.replied || started !== undefined;
    this.#detach();
    if (!booted) this.bootFailures++;
    // A thread that ran tasks is replaced at once; one that could not boot only when work comes.
    if (booted && !this.retiring) this.#thread = this.#spawn();
    void th.piscina.destroy().catch(() => undefined);
    this.#events.death(this, started, unstarted, err);
  }

  #spawn(): Thread {
    const { filename, resourceLimits, recycleAfterTasks, recycleOnHeapGrowthBytes, logger, pool } = this.#config;
    const cells = new Int32Array(new SharedArrayBuffer(TASKS_PER_THREAD * Int32Array.BYTES_PER_ELEMENT));
    const piscina = new Piscina({
      filename: SHIM,
      workerData: {
        docflowWorkerModule: pathToFileURL(filename).href,
        docflowCells: cells,
        docflowRecycleAfterTasks: recycleAfterTasks,
        docflowRecycleOnHeapGrowthBytes: recycleOnHeapGrowthBytes,
      },
      minThreads: 1,
      maxThreads: 1,
      concurrentTasksPerWorker: PISCINA_TASKS_PER_THREAD,
      // Per-task timing is measured by the pool; piscina's histogram would only cost.
      recordTiming: false,
      ...(resourceLimits === undefined ? {} : { resourceLimits }),
    });
    const th: Thread = { piscina, cells, freeCells: Array.from({ length: TASKS_PER_THREAD }, (_, i) => i), replied: false };
    // Piscina emits 'error' for a thread that fails with no task on it; unhandled it would crash us.
    piscina.on('error', (err: unknown) => {
      if (th === this.#thread) logger.warn({ pool, err }, 'worker thread failed while idle');
    });
    return th;
  }
}

function isCloneError(err: unknown): boolean {
  return err instanceof Error && err.name === 'DataCloneError';
}
