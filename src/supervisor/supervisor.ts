import { Subject, type Observable } from 'rxjs';
import { DocflowError, toDocflowError } from '../errors/index.js';
import type { Logger } from '../log.js';
import { backoffDelay } from '../util/backoff.js';
import { SupervisedChild } from './child.js';
import { fillSupervisorOptions, type FilledSupervisorOptions, type SupervisorOptions } from './options.js';
import type { ChildStatus, RestartReason, Supervised, SupervisorEvent } from './types.js';

/**
 * One-for-one supervision, as in OTP: each child is started in order; a child that crashes (reports
 * `crashed(err)`, or whose `start()` throws) is stopped, and after an exponential backoff started
 * again, alone. A child that would restart more than `intensity.maxRestarts` times within
 * `intensity.periodMs` is stopped for good and marked `failed` (escalated); the others keep running.
 * `close()` stops every child in reverse start order.
 */
export class Supervisor {
  readonly #o: FilledSupervisorOptions;
  readonly #log: Logger;
  readonly #children: SupervisedChild[] = [];
  readonly #cycles = new Set<Promise<unknown>>();
  readonly #events = new Subject<SupervisorEvent>();
  readonly #closing = new AbortController();
  #started: Promise<void> | undefined;
  #closed: Promise<void> | undefined;

  /** Restarts, successful restarts and escalations, as they happen. Completes on `close()`. */
  readonly events$: Observable<SupervisorEvent> = this.#events.asObservable();

  constructor(options: SupervisorOptions = {}) {
    this.#o = fillSupervisorOptions(options);
    this.#log = this.#o.logger.child({ component: 'supervisor' });
  }

  /**
   * Supervise `child`. Before `start()` it only joins the start order; afterwards it is started at
   * once. Resolves when the child runs, or has been given up on (`failed`).
   * @throws TypeError for a child without a name or methods, or with a name already supervised.
   */
  async add(child: Supervised): Promise<void> {
    assertSupervised(child, this.#children);
    if (this.#closing.signal.aborted) throw new DocflowError('ERR_ABORTED', `cannot add "${child.name}": the supervisor is closed`);
    const c = new SupervisedChild(child, this.#o.intensity, this.#log);
    this.#children.push(c);
    if (this.#started) await this.#launch(c);
  }

  /** Start the children in the order they were added, each once running or failed. Idempotent. */
  start(): Promise<void> {
    if (this.#closing.signal.aborted) return Promise.reject(new DocflowError('ERR_ABORTED', 'the supervisor is closed'));
    this.#started ??= this.#startAll([...this.#children]);
    return this.#started;
  }

  /**
   * Restart a running child on request (the memory policy uses reason `memory`). It counts toward
   * the restart intensity like a crash, so it may escalate.
   * @returns true once the restart this call began is over (child running again, or failed); false
   *   when nothing was done: the child is not running, is already restarting, or we are closing.
   * @throws DocflowError `ERR_STAGE_UNKNOWN` when no child has that name.
   */
  async restart(name: string, reason: RestartReason = 'requested'): Promise<boolean> {
    const c = this.#children.find((x) => x.name === name);
    if (!c) throw new DocflowError('ERR_STAGE_UNKNOWN', `no supervised child named "${name}"`);
    if (this.#closing.signal.aborted || c.state !== 'running' || c.cycle) return false;
    this.#log.info({ child: name, reason }, 'restart requested');
    await this.#track(c, this.#recover(c, reason, undefined));
    return true;
  }

  /** Every child, in start order. */
  status(): ChildStatus[] {
    return this.#children.map((c) => c.status());
  }

  /** Resolves when no crash or restart is being handled (tests, orderly shutdown). */
  async idle(): Promise<void> {
    while (this.#cycles.size > 0) await Promise.allSettled([...this.#cycles]);
  }

  /**
   * Stop every child in reverse start order. Pending restarts are abandoned; a child that fails to
   * stop is logged and the next one is stopped anyway. Idempotent: every call returns the same promise.
   */
  close(): Promise<void> {
    this.#closed ??= this.#shutdown();
    return this.#closed;
  }

  /** Same as `close()`. */
  stopAll(): Promise<void> {
    return this.close();
  }

  [Symbol.asyncDispose](): Promise<void> {
    return this.close();
  }

  async #startAll(children: SupervisedChild[]): Promise<void> {
    for (const c of children) {
      if (this.#closing.signal.aborted) return;
      await this.#launch(c);
    }
  }

  /** First start of a child; a failed start goes through crash handling before we return. */
  async #launch(c: SupervisedChild): Promise<void> {
    const failure = await c.start(this.#o.now, (err) => this.#onCrash(c, err));
    if (failure === undefined) return;
    await this.#track(c, this.#recover(c, 'restart', failure.err));
  }

  #onCrash(c: SupervisedChild, err: unknown): void {
    if (this.#closing.signal.aborted || c.cycle) return;
    this.#log.warn({ child: c.name, err: toDocflowError(err).toInfo() }, 'child crashed');
    void this.#track(c, this.#recover(c, 'restart', err));
  }

  #track(c: SupervisedChild, cycle: Promise<void>): Promise<void> {
    const settled = cycle.catch((err: unknown) => this.#log.error({ child: c.name, err: toDocflowError(err).toInfo() }, 'bug in restart handling'));
    c.cycle = settled;
    this.#cycles.add(settled);
    void settled.then(() => {
      this.#cycles.delete(settled);
      if (c.cycle === settled) c.cycle = undefined;
    });
    return settled;
  }

  /**
   * Handle one crash or requested restart, and any failed start that follows it, until the child
   * runs again, is escalated, or we close.
   */
  async #recover(c: SupervisedChild, reason: 'restart' | RestartReason, err: unknown): Promise<void> {
    let error = err === undefined ? undefined : toDocflowError(err);
    for (;;) {
      if (this.#closing.signal.aborted) {
        await c.stop('shutdown');
        c.state = 'stopped';
        return;
      }
      const now = this.#o.now();
      if (error) c.lastError = error;
      const { recent, exceeded } = c.window.record(now);
      if (exceeded) return this.#escalate(c, error, recent);
      const attempt = c.nextAttempt(now, this.#o.intensity.periodMs);
      const delayMs = backoffDelay(attempt, this.#o.restart, this.#o.random);
      c.state = 'restarting';
      this.#events.next({ type: 'restarting', child: c.name, reason, error, attempt, delayMs, recentRestarts: recent, at: now });
      this.#log.info({ child: c.name, reason, attempt, delayMs, recentRestarts: recent }, 'restarting child');
      await c.stop(reason);
      if (!(await this.#backoff(delayMs)) || this.#closing.signal.aborted) {
        c.state = 'stopped';
        return;
      }
      c.restarts++;
      c.lastRestartAt = this.#o.now();
      const failure = await c.start(this.#o.now, (e) => this.#onCrash(c, e));
      if (failure === undefined) {
        this.#events.next({ type: 'restarted', child: c.name, restarts: c.restarts, at: this.#o.now() });
        return;
      }
      this.#log.warn({ child: c.name, err: toDocflowError(failure.err).toInfo() }, 'child failed to start');
      reason = 'restart';
      error = toDocflowError(failure.err);
    }
  }

  async #escalate(c: SupervisedChild, error: DocflowError | undefined, recent: number): Promise<void> {
    // Marked first, so that crash reports arriving while it stops are ignored.
    c.state = 'failed';
    const { maxRestarts, periodMs } = this.#o.intensity;
    this.#log.error({ child: c.name, recentRestarts: recent, maxRestarts, periodMs, err: error?.toInfo() }, 'child restarts too often; giving up on it');
    await c.stop('escalated');
    this.#events.next({ type: 'escalated', child: c.name, restarts: c.restarts, recentRestarts: recent, error, at: this.#o.now() });
  }

  /** Wait `ms`; false when the wait was cut short by close(). */
  async #backoff(ms: number): Promise<boolean> {
    try {
      await this.#o.sleep(ms, this.#closing.signal);
    } catch (err) {
      if (this.#closing.signal.aborted) return false;
      // A sleep that fails for another reason must not strand the child stopped.
      this.#log.warn({ err: toDocflowError(err).toInfo() }, 'backoff sleep failed; restarting at once');
    }
    return !this.#closing.signal.aborted;
  }

  async #shutdown(): Promise<void> {
    this.#closing.abort();
    await this.#started?.catch(() => undefined);
    await this.idle();
    for (const c of [...this.#children].reverse()) {
      if (c.state === 'failed' || !c.started) continue;
      c.state = 'stopping';
      this.#log.info({ child: c.name }, 'stopping child');
      await c.stop('shutdown');
      c.state = 'stopped';
    }
    this.#events.complete();
  }
}

function assertSupervised(child: Supervised, existing: readonly SupervisedChild[]): void {
  if (typeof child !== 'object' || child === null) throw new TypeError('child must be an object');
  if (typeof child.name !== 'string' || child.name.length === 0) throw new TypeError('child.name must be a non-empty string');
  if (typeof child.start !== 'function') throw new TypeError('child.start must be a function');
  if (typeof child.stop !== 'function') throw new TypeError('child.stop must be a function');
  if (existing.some((c) => c.name === child.name)) throw new TypeError(`child.name must be unique ("${child.name}" is already supervised)`);
}
