import type { TransferListItem, Worker } from 'node:worker_threads';
import { DocflowError } from '../errors/index.js';
import type { Logger } from '../log.js';
import { abortedError, poolClosedError, queueFullError, taskTimeoutError, workerRejectionError } from './errors.js';
import { UtilizationMeter } from './utilization.js';
import { assertPositiveInteger } from '../util/validate.js';
import { isWorkerReply } from './worker-entry.js';
import { fillWorkerPoolOptions, QUEUE_PER_THREAD, type FilledWorkerPoolOptions, type WorkerPoolOptions } from './worker-pool-options.js';
import { WorkerSlot, type RecycleLimits, type RecycleReason, type SlotConfig } from './worker-slot.js';

/** Per-task options of `WorkerPool.run`. */
export interface RunOptions {
  /** Aborting rejects the task with `ERR_ABORTED`; a running task's thread is killed and replaced. */
  signal?: AbortSignal;
  /** Objects moved (not copied) to the worker with the task. */
  transferList?: readonly TransferListItem[];
}

/** A snapshot of a `WorkerPool`. */
export interface WorkerPoolStats {
  name: string;
  /** Target thread count. */
  threads: number;
  /** Tasks waiting for a thread. */
  queued: number;
  /** Tasks on a thread now. */
  running: number;
  /** Tasks that resolved. */
  completed: number;
  /** Accepted tasks that rejected (task error, worker death, timeout, abort, close). */
  failed: number;
  /** Tasks refused because the queue was full. */
  rejected: number;
  /** Threads replaced by recycling (task count or heap growth). */
  recycled: number;
  /** Heap last reported by each live thread that has run a task, bytes. */
  workerHeapBytes: number[];
  /** Busy thread time over available thread time since the pool started, 0..1. */
  utilization: number;
}

/** A task accepted by the pool, queued or running. */
interface Pending {
  task: unknown;
  transferList: readonly TransferListItem[] | undefined;
  signal: AbortSignal | undefined;
  resolve(value: unknown): void;
  reject(err: DocflowError): void;
  /** While queued: takes the task out of the queue when its signal fires. */
  onQueuedAbort?: () => void;
}

/** A task on a thread: how to stop it, and when it has ended. */
interface Running {
  abort(why: DocflowError): void;
  done: Promise<void>;
}

/**
 * A fixed-size pool of worker threads for one CPU stage, over piscina: a bounded FIFO queue,
 * per-task abort and timeout, crash isolation (a dying thread fails only its task and is replaced),
 * thread recycling by task count or heap growth, resizing at run time, and a graceful `close()`.
 * Worker modules export `defineWorker(fn)` (see `worker-entry.ts`).
 */
export class WorkerPool {
  readonly name: string;
  readonly #o: FilledWorkerPoolOptions;
  readonly #log: Logger;
  readonly #slotConfig: SlotConfig;
  readonly #limits: RecycleLimits;
  readonly #slots: WorkerSlot[] = [];
  readonly #queue: Pending[] = [];
  readonly #running = new Set<Running>();
  /** Old threads being destroyed (recycled or retired); `close()` waits for them. */
  readonly #teardown = new Set<Promise<void>>();
  readonly #meter: UtilizationMeter;
  #threads: number;
  #closing: Promise<void> | undefined;
  #completed = 0;
  #failed = 0;
  #rejected = 0;
  #recycled = 0;

  /** @throws TypeError naming the first invalid option. */
  constructor(options: WorkerPoolOptions) {
    this.#o = fillWorkerPoolOptions(options);
    this.name = this.#o.name;
    this.#log = this.#o.logger;
    this.#threads = this.#o.threads;
    this.#slotConfig = { filename: this.#o.filename, pool: this.name, resourceLimits: this.#o.resourceLimits, logger: this.#log };
    this.#limits = { recycleAfterTasks: this.#o.recycleAfterTasks, recycleOnHeapGrowthBytes: this.#o.recycleOnHeapGrowthMb * 1024 * 1024 };
    for (let i = 0; i < this.#threads; i++) this.#slots.push(new WorkerSlot(this.#slotConfig));
    this.#meter = new UtilizationMeter(this.#threads);
  }

  /**
   * Run `task` on a worker thread; resolves with what the worker function returned. Rejects with a
   * `DocflowError`: the task's own error (rebuilt from the worker), `ERR_POOL_QUEUE_FULL`,
   * `ERR_ABORTED`, `ERR_STAGE_TIMEOUT`, `ERR_WORKER_DIED` or `ERR_POOL_CLOSED`.
   */
  run<T>(task: unknown, options: RunOptions = {}): Promise<T> {
    const { signal, transferList } = options;
    if (this.#closing) return Promise.reject(poolClosedError(this.name));
    if (signal?.aborted) return Promise.reject(abortedError(this.name, signal.reason));
    return new Promise<T>((resolve, reject) => {
      if (this.#queue.length >= this.#maxQueue() && this.#idleSlot() === undefined) {
        this.#rejected++;
        reject(queueFullError(this.name, this.#maxQueue()));
        return;
      }
      const p: Pending = { task, transferList, signal, resolve: resolve as (v: unknown) => void, reject };
      if (signal) {
        p.onQueuedAbort = () => this.#dropQueued(p, abortedError(this.name, signal.reason));
        signal.addEventListener('abort', p.onQueuedAbort, { once: true });
      }
      this.#queue.push(p);
      this.#dispatch();
    });
  }

  /**
   * Change the thread count at run time. Growing starts threads at once; shrinking stops idle
   * threads at once and busy ones when their task ends, so no task is lost.
   * @throws TypeError unless `threads` is a positive integer.
   */
  resize(threads: number): void {
    assertPositiveInteger('threads', threads);
    if (this.#closing) throw poolClosedError(this.name);
    this.#threads = threads;
    let live = this.#slots.filter((s) => !s.retiring).length;
    for (const s of this.#slots) {
      if (live < threads && s.retiring) { s.retiring = false; live++; }
    }
    for (; live < threads; live++) this.#slots.push(new WorkerSlot(this.#slotConfig));
    for (const s of [...this.#slots].reverse()) {
      if (live <= threads) break;
      if (!s.retiring && !s.busy) { this.#removeSlot(s); live--; }
    }
    for (const s of [...this.#slots].reverse()) {
      if (live <= threads) break;
      if (!s.retiring) { s.retiring = true; live--; }
    }
    this.#updateMeter();
    this.#dispatch();
  }

  /** A snapshot of counters and gauges. */
  stats(): WorkerPoolStats {
    const live = this.#slots.filter((s) => !s.retiring);
    return {
      name: this.name,
      threads: this.#threads,
      queued: this.#queue.length,
      running: this.#running.size,
      completed: this.#completed,
      failed: this.#failed,
      rejected: this.#rejected,
      recycled: this.#recycled,
      workerHeapBytes: live.flatMap((s) => (s.lastHeapUsed === undefined ? [] : [s.lastHeapUsed])),
      utilization: this.#meter.value(),
    };
  }

  /** The live `Worker` objects (diagnostics and tests; do not post to them). */
  get threads(): readonly Worker[] {
    return this.#slots.flatMap((s) => s.threads);
  }

  /**
   * Stop taking tasks, reject the queued ones with `ERR_POOL_CLOSED`, let running ones finish for up
   * to `closeGraceMs` (then they reject with `ERR_POOL_CLOSED`), and stop every thread. Idempotent.
   */
  close(): Promise<void> {
    this.#closing ??= this.#close();
    return this.#closing;
  }

  [Symbol.asyncDispose](): Promise<void> {
    return this.close();
  }

  async #close(): Promise<void> {
    for (const p of this.#queue.slice()) this.#dropQueued(p, poolClosedError(this.name));
    await this.#waitRunning(this.#o.closeGraceMs);
    if (this.#running.size > 0) this.#log.warn({ pool: this.name, running: this.#running.size }, 'close grace period over: killing running tasks');
    for (const r of this.#running) r.abort(poolClosedError(this.name));
    await Promise.allSettled([...this.#slots.splice(0).map((s) => s.destroy()), ...this.#teardown]);
    this.#updateMeter();
  }

  async #waitRunning(graceMs: number): Promise<void> {
    if (this.#running.size === 0) return;
    let timer: NodeJS.Timeout | undefined;
    const grace = new Promise<void>((resolve) => { timer = setTimeout(resolve, graceMs); });
    await Promise.race([Promise.allSettled([...this.#running].map((r) => r.done)), grace]);
    clearTimeout(timer);
  }

  #maxQueue(): number {
    return this.#o.maxQueue ?? this.#threads * QUEUE_PER_THREAD;
  }

  #idleSlot(): WorkerSlot | undefined {
    return this.#slots.find((s) => !s.busy && !s.retiring);
  }

  #dropQueued(p: Pending, err: DocflowError): void {
    const i = this.#queue.indexOf(p);
    if (i < 0) return;
    this.#queue.splice(i, 1);
    if (p.onQueuedAbort) p.signal?.removeEventListener('abort', p.onQueuedAbort);
    this.#failed++;
    p.reject(err);
  }

  #dispatch(): void {
    for (let slot = this.#idleSlot(); slot !== undefined && this.#queue.length > 0; slot = this.#idleSlot()) {
      const p = this.#queue.shift() as Pending;
      if (p.onQueuedAbort) p.signal?.removeEventListener('abort', p.onQueuedAbort);
      this.#start(slot, p);
    }
  }

  #start(slot: WorkerSlot, p: Pending): void {
    slot.busy = true;
    const ac = new AbortController();
    let why: DocflowError | undefined;
    const abort = (err: DocflowError): void => {
      if (why !== undefined) return;
      why = err;
      ac.abort(err);
    };
    const onAbort = (): void => abort(abortedError(this.name, p.signal?.reason));
    p.signal?.addEventListener('abort', onAbort, { once: true });
    const ms = this.#o.taskTimeoutMs;
    const timer = ms > 0 ? setTimeout(() => abort(taskTimeoutError(this.name, ms)), ms) : undefined;
    const done = slot.run(p.task, ac.signal, p.transferList).then(
      (reply) => this.#settle(slot, p, reply),
      (err: unknown) => this.#fail(p, why ?? workerRejectionError(this.name, err)),
    ).finally(() => {
      clearTimeout(timer);
      p.signal?.removeEventListener('abort', onAbort);
      this.#running.delete(running);
      this.#release(slot);
    });
    const running: Running = { abort, done };
    this.#running.add(running);
    this.#updateMeter();
  }

  #settle(slot: WorkerSlot, p: Pending, reply: unknown): void {
    if (!isWorkerReply(reply)) {
      this.#fail(p, new DocflowError('ERR_INTERNAL', `pool "${this.name}": the worker module must export defineWorker(fn) as its default export`));
      return;
    }
    const recycle = slot.observe(reply, this.#limits);
    if (reply.ok) {
      this.#completed++;
      p.resolve(reply.value);
    } else {
      this.#fail(p, DocflowError.fromInfo(reply.error));
    }
    if (recycle !== undefined && !slot.retiring && !this.#closing) this.#recycle(slot, recycle, reply.threadId);
  }

  #fail(p: Pending, err: DocflowError): void {
    this.#failed++;
    if (err.code === 'ERR_WORKER_DIED') this.#log.warn({ pool: this.name, err }, 'worker thread died; it is replaced');
    p.reject(err);
  }

  /** Called only from `#settle`, while the slot is still busy, so no task can reach the old thread. */
  #recycle(slot: WorkerSlot, reason: RecycleReason, threadId: number): void {
    this.#recycled++;
    this.#log.debug({ pool: this.name, threadId, reason }, 'recycling worker thread');
    this.#track(slot.recycle());
  }

  #release(slot: WorkerSlot): void {
    slot.busy = false;
    if (slot.retiring) this.#removeSlot(slot);
    this.#updateMeter();
    this.#dispatch();
  }

  #removeSlot(slot: WorkerSlot): void {
    const i = this.#slots.indexOf(slot);
    if (i >= 0) this.#slots.splice(i, 1);
    this.#track(slot.destroy());
  }

  #track(teardown: Promise<void>): void {
    const t = teardown.catch((err: unknown) => this.#log.warn({ pool: this.name, err }, 'stopping a worker thread failed'))
      .finally(() => this.#teardown.delete(t));
    this.#teardown.add(t);
  }

  #updateMeter(): void {
    this.#meter.set(this.#running.size, this.#slots.filter((s) => !s.retiring).length);
  }
}
