import type { TransferListItem, Worker } from 'node:worker_threads';
import { DocflowError } from '../errors/index.js';
import type { Logger } from '../log.js';
import { abortedError, poolClosedError, queueFullError, taskTimeoutError, workerDiedError, workerRejectionError } from './errors.js';
import { UtilizationMeter } from './utilization.js';
import { assertPositiveInteger } from '../util/validate.js';
import { isWorkerReply } from './worker-entry.js';
import { fillWorkerPoolOptions, QUEUE_PER_THREAD, type FilledWorkerPoolOptions, type WorkerPoolOptions } from './worker-pool-options.js';
import { busySlots, heldBehind, idleSlot, slotFor, waitingBehind } from './placement.js';
import { WorkerSlot, type ShimReply, type SlotConfig, type SlotEvents, type SlotTask } from './worker-slot.js';

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

/** A task accepted by the pool: queued, posted to a thread, or running. */
interface Pending extends SlotTask {
  signal: AbortSignal | undefined;
  resolve(value: unknown): void;
  reject(err: DocflowError): void;
  /** Acceptance order: tasks taken back from a thread go back to the queue in this order. */
  order: number;
  /** The slot the task is posted to, while it is. */
  slot: WorkerSlot<Pending> | undefined;
  /** The task's abort listener (one for its whole life: queued, posted or running). */
  onAbort: (() => void) | undefined;
  /** The task timeout, armed when the task becomes the oldest of its thread. */
  timer: NodeJS.Timeout | undefined;
  settled: boolean;
}

/**
 * A fixed-size pool of worker threads for one CPU stage, over piscina: a bounded FIFO queue, per-task
 * abort and timeout, crash isolation (a dying thread fails only the task it was running and is replaced),
 * thread recycling by task count or heap growth, resizing at run time, and a graceful `close()`.
 * Worker modules export `defineWorker(fn)` (see `worker-entry.ts`).
 *
 * Each thread holds up to two tasks: the one it runs and the next, posted ahead so that it never
 * idles between tasks waiting for the main thread. A posted task that the thread has not started is
 * still queued work: an abort takes it back without touching the thread, an idle thread takes it
 * over, and if the thread dies it runs elsewhere (see worker-shim.cts for how start is decided).
 */
export class WorkerPool {
  readonly name: string;
  readonly #o: FilledWorkerPoolOptions;
  readonly #log: Logger;
  readonly #slotConfig: SlotConfig;
  readonly #events: SlotEvents<Pending>;
  readonly #slots: WorkerSlot<Pending>[] = [];
  readonly #queue: Pending[] = [];
  /** Old threads being destroyed (recycled, killed or retired); `close()` waits for them. */
  readonly #teardown = new Set<Promise<void>>();
  readonly #meter: UtilizationMeter;
  #threads: number;
  #closing: Promise<void> | undefined;
  /** While closing: called when no thread holds a task any more. */
  #onDrained: (() => void) | undefined;
  #accepted = 0;
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
    this.#slotConfig = {
      filename: this.#o.filename, pool: this.name, resourceLimits: this.#o.resourceLimits, logger: this.#log,
      recycleAfterTasks: this.#o.recycleAfterTasks, recycleOnHeapGrowthBytes: this.#o.recycleOnHeapGrowthMb * 1024 * 1024,
    };
    this.#events = { reply: (slot, p, msg) => this.#onReply(slot, p, msg), death: (slot, started, unstarted, cause) => this.#onDeath(slot, started, unstarted, cause) };
    for (let i = 0; i < this.#threads; i++) this.#slots.push(new WorkerSlot(this.#slotConfig, this.#events));
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
    if (this.#waiting() >= this.#maxQueue() && idleSlot(this.#slots) === undefined) {
      this.#rejected++;
      return Promise.reject(queueFullError(this.name, this.#maxQueue()));
    }
    return new Promise<T>((resolve, reject) => {
      const p: Pending = {
        task, transferList: transferList?.length ? transferList : undefined, signal, resolve: resolve as (v: unknown) => void, reject,
        order: this.#accepted++, slot: undefined, onAbort: undefined, timer: undefined, settled: false, id: 0, cell: 0,
      };
      if (signal) {
        p.onAbort = () => this.#abort(p, abortedError(this.name, signal.reason));
        signal.addEventListener('abort', p.onAbort, { once: true });
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
    for (; live < threads; live++) this.#slots.push(new WorkerSlot(this.#slotConfig, this.#events));
    for (const s of [...this.#slots].reverse()) {
      if (live <= threads) break;
      if (!s.retiring && s.held.length === 0) { this.#removeSlot(s); live--; }
    }
    for (const s of [...this.#slots].reverse()) {
      if (live <= threads) break;
      if (!s.retiring) {
        s.retiring = true;
        live--;
        // What waits on a retiring thread runs elsewhere.
        this.#requeue(s.takeBackUnstarted());
      }
    }
    this.#dispatch();
  }

  /** A snapshot of counters and gauges. */
  stats(): WorkerPoolStats {
    const live = this.#slots.filter((s) => !s.retiring);
    return {
      name: this.name,
      threads: this.#threads,
      queued: this.#waiting(),
      running: this.#busySlots(),
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
    for (const p of this.#queue.splice(0)) this.#fail(p, poolClosedError(this.name));
    for (const s of this.#slots) {
      for (const p of s.takeBackUnstarted()) this.#fail(p, poolClosedError(this.name));
      this.#armHead(s);
    }
    await this.#waitDrained(this.#o.closeGraceMs);
    const running = this.#slots.flatMap((s) => s.held);
    if (running.length > 0) this.#log.warn({ pool: this.name, running: running.length }, 'close grace period over: killing running tasks');
    for (const p of running) this.#fail(p, poolClosedError(this.name));
    await Promise.allSettled([...this.#slots.splice(0).map((s) => s.destroy()), ...this.#teardown]);
    this.#updateMeter();
  }

  async #waitDrained(graceMs: number): Promise<void> {
    if (this.#busySlots() === 0) return;
    let timer: NodeJS.Timeout | undefined;
    await new Promise<void>((resolve) => {
      this.#onDrained = resolve;
      timer = setTimeout(resolve, graceMs);
    });
    this.#onDrained = undefined;
    clearTimeout(timer);
  }

  #maxQueue(): number {
    return this.#o.maxQueue ?? this.#threads * QUEUE_PER_THREAD;
  }

  /** Accepted tasks not started: in the queue, or posted behind a thread's running task. */
  #waiting(): number {
    return this.#queue.length + heldBehind(this.#slots);
  }

  #busySlots(): number {
    return busySlots(this.#slots);
  }

  #dispatch(): void {
    if (this.#closing) return;
    while (this.#queue.length > 0) {
      const slot = slotFor(this.#slots, this.#queue[0]!);
      if (slot === undefined) break;
      this.#post(slot, this.#queue.shift()!);
    }
    if (this.#queue.length === 0) this.#steal();
    this.#updateMeter();
  }

  /** An idle thread takes over a task waiting behind another thread's running task. */
  #steal(): void {
    for (let idle = idleSlot(this.#slots); idle !== undefined; idle = idleSlot(this.#slots)) {
      let taken: Pending | undefined;
      for (const [s, t] of waitingBehind(this.#slots)) {
        if (s.takeBack(t)) {
          taken = t;
          break;
        }
      }
      if (taken === undefined) return;
      taken.slot = undefined;
      this.#post(idle, taken);
    }
  }

  #post(slot: WorkerSlot<Pending>, p: Pending): void {
    try {
      slot.post(p);
    } catch (err) {
      this.#fail(p, workerRejectionError(this.name, err));
      return;
    }
    p.slot = slot;
    this.#armHead(slot);
  }

  /**
   * Start the timeout of the slot's oldest task once its thread has started it. A fresh thread first
   * loads the worker module (a second or more on a busy machine): that is not the task's time, and
   * counting it made every task that followed a timed-out one time out in turn, each replacement
   * thread booting past the limit. Until the task starts, its clock is looked at every 50 ms.
   */
  #armHead(slot: WorkerSlot<Pending>): void {
    const head = slot.held[0];
    const ms = this.#o.taskTimeoutMs;
    if (head === undefined || ms <= 0 || head.timer !== undefined) return;
    const arm = (): void => {
      if (head.settled || head.slot !== slot) {
        head.timer = undefined;
        return;
      }
      head.timer = slot.started(head)
        ? setTimeout(() => this.#abort(head, taskTimeoutError(this.name, ms)), ms)
        : setTimeout(arm, Math.min(ms, 50));
    };
    arm();
  }

  /** Abort or timeout: a queued or posted task is taken back; a running one costs its thread. */
  #abort(p: Pending, why: DocflowError): void {
    if (p.settled) return;
    const slot = p.slot;
    if (slot === undefined) {
      const i = this.#queue.indexOf(p);
      if (i >= 0) this.#queue.splice(i, 1);
      this.#fail(p, why);
    } else if (slot.takeBack(p)) {
      this.#fail(p, why);
      this.#armHead(slot);
    } else {
      const others = slot.takeBackUnstarted();
      this.#fail(p, why);
      this.#track(slot.replace());
      this.#requeue(others);
      if (slot.retiring) this.#removeSlot(slot);
    }
    this.#checkDrained();
    this.#dispatch();
  }

  #onReply(slot: WorkerSlot<Pending>, p: Pending, msg: ShimReply): void {
    if (msg.thrown !== undefined) {
      this.#fail(p, new DocflowError('ERR_INTERNAL', `pool "${this.name}": ${msg.thrown}; the worker module must export defineWorker(fn) as its default export`));
    } else if (!isWorkerReply(msg.reply)) {
      this.#fail(p, new DocflowError('ERR_INTERNAL', `pool "${this.name}": the worker module must export defineWorker(fn) as its default export`));
    } else if (msg.reply.ok) {
      this.#completed++;
      this.#settle(p);
      p.resolve(msg.reply.value);
    } else {
      this.#fail(p, DocflowError.fromInfo(msg.reply.error));
    }
    if (msg.retire !== undefined && !this.#closing) {
      // The thread starts nothing more: what waits on it runs on its successor.
      const others = slot.takeBackUnstarted();
      this.#recycled++;
      this.#log.debug({ pool: this.name, reason: msg.retire }, 'recycling worker thread');
      this.#track(slot.replace());
      this.#requeue(others);
    }
    this.#armHead(slot);
    if (slot.retiring && slot.held.length === 0) this.#removeSlot(slot);
    this.#dispatch();
  }

  #onDeath(slot: WorkerSlot<Pending>, started: Pending | undefined, unstarted: Pending[], cause: unknown): void {
    if (started !== undefined) this.#fail(started, workerRejectionError(this.name, cause));
    // A thread that cannot even boot must not take the same tasks again and again.
    if (slot.bootFailures >= BOOT_ATTEMPTS) for (const p of unstarted) this.#fail(p, workerDiedError(this.name, cause));
    else this.#requeue(unstarted);
    if (slot.retiring) this.#removeSlot(slot);
    this.#checkDrained();
    this.#dispatch();
  }

  /**
   * Tasks taken back from a thread go to the front of the queue, in the order they were accepted.
   * Ones that moved objects to that thread cannot run elsewhere; closing rejects them all.
   */
  #requeue(tasks: Pending[]): void {
    const back: Pending[] = [];
    for (const p of tasks) {
      p.slot = undefined;
      clearTimeout(p.timer);
      p.timer = undefined;
      if (this.#closing) this.#fail(p, poolClosedError(this.name));
      else if (p.transferList !== undefined) this.#fail(p, workerDiedError(this.name, new Error('its thread stopped before it started')));
      else back.push(p);
    }
    this.#queue.unshift(...back.sort((a, b) => a.order - b.order));
  }

  /** Done with `p`: no timer, no listener, no slot. */
  #settle(p: Pending): void {
    p.settled = true;
    p.slot = undefined;
    clearTimeout(p.timer);
    if (p.onAbort) p.signal?.removeEventListener('abort', p.onAbort);
    this.#checkDrained();
  }

  #checkDrained(): void {
    if (this.#onDrained !== undefined && this.#busySlots() === 0) this.#onDrained();
  }

  #fail(p: Pending, err: DocflowError): void {
    if (p.settled) return;
    this.#failed++;
    this.#settle(p);
    if (err.code === 'ERR_WORKER_DIED') this.#log.warn({ pool: this.name, err }, 'worker thread died; it is replaced');
    p.reject(err);
  }

  #removeSlot(slot: WorkerSlot<Pending>): void {
    const i = this.#slots.indexOf(slot);
    if (i >= 0) this.#slots.splice(i, 1);
    this.#requeue(slot.takeBackUnstarted());
    this.#track(slot.destroy());
    this.#updateMeter();
  }

  #track(teardown: Promise<void>): void {
    const t = teardown.catch((err: unknown) => this.#log.warn({ pool: this.name, err }, 'stopping a worker thread failed'))
      .finally(() => this.#teardown.delete(t));
    this.#teardown.add(t);
  }

  #updateMeter(): void {
    let live = 0;
    for (const s of this.#slots) if (!s.retiring) live++;
    this.#meter.set(this.#busySlots(), live);
  }
}

/** Threads in a row that may die before starting a task before a slot's waiting tasks fail instead of moving on. */
const BOOT_ATTEMPTS = 3;
