import { retryDelayMs } from '../util/backoff.js';
import { assertPositiveInteger } from '../util/validate.js';
import { runAttempt, type AttemptOutcome, type Task } from './attempt.js';
import { attemptTimeoutError, isRetryable, schedulerClosedError, schedulerFullError, taskAbortedError } from './errors.js';
import { LevelPicker } from './level-picker.js';
import { LevelQueues } from './level-queues.js';
import { fillSchedulerOptions, type FilledSchedulerOptions, type SchedulerOptions } from './options.js';
import { DEFAULT_PRIORITY, PRIORITIES, isPriority, type Priority } from './priority.js';
import { SchedulerCounters, type SchedulerStats } from './scheduler-stats.js';

/** How a task is submitted. */
export interface SubmitOptions {
  /** Its level. @defaultValue 'normal' (the contract's default) */
  priority?: Priority;
  /** Cancels the task wherever it is: waiting, backing off, or running (its own signal aborts). */
  signal?: AbortSignal;
}

/** Who cut the running attempt short, if anyone: decides between retry, cancel and fail. */
type CutBy = 'timeout' | 'caller' | 'close' | undefined;

interface Job<R> {
  readonly task: Task<R>;
  readonly priority: Priority;
  readonly signal: AbortSignal | undefined;
  readonly resolve: (value: R) => void;
  readonly reject: (err: unknown) => void;
  state: 'queued' | 'running' | 'backoff' | 'done';
  /** Attempts started so far. */
  attempt: number;
  controller: AbortController | undefined;
  cutBy: CutBy;
  backoffTimer: unknown;
  detach: () => void;
}

/**
 * Runs async tasks by priority (`critical` > `high` > `normal` > `low`, FIFO within a level) with a
 * concurrency limit, bounded queues, per-attempt timeouts, and exponential-backoff retries of
 * retryable failures. A `LevelPicker` orders the levels, so a low level is never starved.
 *
 * The slot of an attempt is released as soon as the attempt ends, including when its signal is
 * aborted (timeout, caller, close): a task must stop when its signal aborts.
 */
export class PriorityScheduler<R = unknown> {
  readonly #o: FilledSchedulerOptions;
  readonly #picker: LevelPicker;
  readonly #queues: LevelQueues<Job<R>>;
  readonly #running = new Set<Job<R>>();
  readonly #backingOff = new Set<Job<R>>();
  readonly #counters: SchedulerCounters;
  #concurrency: number;
  #closing = false;
  #closePromise: Promise<void> | undefined;
  #idleWaiters: Array<() => void> = [];

  constructor(options: SchedulerOptions = {}) {
    this.#o = fillSchedulerOptions(options);
    this.#concurrency = this.#o.concurrency;
    this.#picker = new LevelPicker(this.#o.starvationLimit);
    this.#queues = new LevelQueues(this.#o.maxQueued);
    this.#counters = new SchedulerCounters(this.#o.now);
  }

  /** Tasks running at once. */
  get concurrency(): number {
    return this.#concurrency;
  }

  /** True once `close()` was called. */
  get closed(): boolean {
    return this.#closing;
  }

  /**
   * Change the concurrency at run time. Raising it starts waiting tasks at once; lowering it lets
   * running tasks finish and starts nothing new until fewer than `n` run.
   */
  setConcurrency(n: number): void {
    assertPositiveInteger('concurrency', n);
    this.#concurrency = n;
    this.#pump();
  }

  /**
   * Queue `task` at its priority; resolves with its result, or rejects with the error of its last
   * attempt, `ERR_SCHEDULER_FULL` (level full), or `ERR_ABORTED` (caller's signal, or closed).
   */
  submit(task: Task<R>, opts: SubmitOptions = {}): Promise<R> {
    const priority = opts.priority ?? DEFAULT_PRIORITY;
    if (typeof task !== 'function') return Promise.reject(new TypeError('task must be a function'));
    if (!isPriority(priority)) return Promise.reject(new TypeError(`priority must be one of ${PRIORITIES.join(', ')}`));
    if (this.#closing) return Promise.reject(schedulerClosedError(this.#o.name));
    if (opts.signal?.aborted === true) return Promise.reject(taskAbortedError(this.#o.name, opts.signal.reason));
    if (this.#queues.isFull(priority)) return Promise.reject(schedulerFullError(this.#o.name, priority, this.#o.maxQueued[priority]));
    return new Promise<R>((resolve, reject) => {
      const job: Job<R> = {
        task, priority, signal: opts.signal, resolve, reject,
        state: 'queued', attempt: 0, controller: undefined, cutBy: undefined, backoffTimer: undefined, detach: () => undefined,
      };
      if (job.signal) {
        const signal = job.signal;
        const onAbort = (): void => this.#onCallerAbort(job);
        signal.addEventListener('abort', onAbort, { once: true });
        job.detach = () => signal.removeEventListener('abort', onAbort);
      }
      this.#counters.add('submitted');
      this.#queues.push(priority, job);
      this.#pump();
    });
  }

  /** Counters, queue lengths and throughput, now. */
  stats(): SchedulerStats {
    return this.#counters.snapshot({ queued: this.#queues.sizes(), backingOff: this.#backingOff.size, running: this.#running.size });
  }

  /**
   * Stop taking tasks: reject the waiting and backing-off ones with `ERR_ABORTED`, let running ones
   * finish for up to `closeGraceMs` (without retries), then abort their signals. Idempotent.
   */
  close(): Promise<void> {
    this.#closePromise ??= this.#close();
    return this.#closePromise;
  }

  [Symbol.asyncDispose](): Promise<void> {
    return this.close();
  }

  /** Start waiting tasks while slots are free, in the picker's order. */
  #pump(): void {
    while (!this.#closing && this.#running.size < this.#concurrency) {
      const level = this.#picker.next(this.#queues.available());
      if (level === undefined) return;
      const job = this.#queues.shift(level);
      if (job) this.#start(job);
    }
  }

  #start(job: Job<R>): void {
    const attempt = ++job.attempt;
    const controller = new AbortController();
    Object.assign(job, { state: 'running', controller, cutBy: undefined });
    this.#running.add(job);
    const startedAt = this.#o.now();
    const onTimeout = (): unknown => {
      job.cutBy = 'timeout';
      this.#o.logger.warn({ scheduler: this.#o.name, priority: job.priority, attempt, timeoutMs: this.#o.timeoutMs }, 'task timed out');
      return attemptTimeoutError(this.#o.name, this.#o.timeoutMs, attempt);
    };
    void runAttempt(job.task, attempt, controller, { timeoutMs: this.#o.timeoutMs, timers: this.#o.timers, onTimeout })
      .then((outcome) => this.#settle(job, outcome, this.#o.now() - startedAt));
  }

  #settle(job: Job<R>, outcome: AttemptOutcome<R>, durationMs: number): void {
    this.#running.delete(job);
    job.controller = undefined;
    if (outcome.ok) {
      this.#counters.completed(durationMs);
      this.#finish(job);
      job.resolve(outcome.value);
    } else {
      this.#failed(job, outcome.error);
    }
    this.#pump();
    this.#notifyIdle();
  }

  #failed(job: Job<R>, error: unknown): void {
    if (job.cutBy === 'caller' || job.cutBy === 'close') {
      this.#cancel(job, error);
      return;
    }
    if (job.cutBy === 'timeout') this.#counters.add('timedOut');
    if (this.#closing || job.attempt >= this.#o.retry.maxAttempts || !isRetryable(error)) {
      this.#counters.add('failed');
      this.#finish(job);
      job.reject(error);
      return;
    }
    this.#backoff(job, error);
  }

  /** Wait out the backoff off the slot, then go back to the end of its level. */
  #backoff(job: Job<R>, error: unknown): void {
    const { baseDelayMs, maxDelayMs, jitter } = this.#o.retry;
    const delayMs = retryDelayMs(job.attempt, baseDelayMs, maxDelayMs, jitter, this.#o.random);
    this.#counters.add('retried');
    job.state = 'backoff';
    this.#backingOff.add(job);
    const code = (error as { code?: unknown } | null)?.code;
    this.#o.logger.debug({ scheduler: this.#o.name, priority: job.priority, attempt: job.attempt, delayMs, code }, 'task retry scheduled');
    job.backoffTimer = this.#o.timers.setTimeout(() => {
      job.backoffTimer = undefined;
      this.#backingOff.delete(job);
      if (job.state !== 'backoff') return;
      job.state = 'queued';
      this.#queues.push(job.priority, job);
      this.#pump();
    }, delayMs);
  }

  #onCallerAbort(job: Job<R>): void {
    const err = taskAbortedError(this.#o.name, job.signal?.reason);
    if (job.state === 'queued') {
      this.#queues.delete(job.priority, job);
      this.#cancel(job, err);
    } else if (job.state === 'backoff') {
      this.#stopBackoff(job);
      this.#cancel(job, err);
    } else if (job.state === 'running') {
      job.cutBy = 'caller';
      job.controller?.abort(err);
    }
  }

  #stopBackoff(job: Job<R>): void {
    if (job.backoffTimer !== undefined) this.#o.timers.clearTimeout(job.backoffTimer);
    job.backoffTimer = undefined;
    this.#backingOff.delete(job);
  }

  #cancel(job: Job<R>, err: unknown): void {
    this.#counters.add('cancelled');
    this.#finish(job);
    job.reject(err);
  }

  #finish(job: Job<R>): void {
    job.state = 'done';
    job.detach();
  }

  async #close(): Promise<void> {
    this.#closing = true;
    const err = schedulerClosedError(this.#o.name);
    const waiting = this.#queues.drain();
    const backingOff = [...this.#backingOff];
    for (const job of waiting) this.#cancel(job, err);
    for (const job of backingOff) {
      this.#stopBackoff(job);
      this.#cancel(job, err);
    }
    this.#o.logger.info({ scheduler: this.#o.name, cancelled: waiting.length + backingOff.length, running: this.#running.size }, 'scheduler closing');
    if (this.#running.size > 0 && this.#o.closeGraceMs > 0) await this.#idleWithin(this.#o.closeGraceMs);
    for (const job of this.#running) {
      job.cutBy = 'close';
      job.controller?.abort(err);
    }
    await this.#whenIdle();
  }

  #idleWithin(ms: number): Promise<void> {
    return new Promise<void>((resolve) => {
      const timer = this.#o.timers.setTimeout(resolve, ms);
      void this.#whenIdle().then(() => {
        this.#o.timers.clearTimeout(timer);
        resolve();
      });
    });
  }

  #whenIdle(): Promise<void> {
    if (this.#running.size === 0) return Promise.resolve();
    return new Promise<void>((resolve) => this.#idleWaiters.push(resolve));
  }

  #notifyIdle(): void {
    if (this.#running.size > 0) return;
    for (const resolve of this.#idleWaiters.splice(0)) resolve();
  }
}
