import { toDocflowError, type DocflowError } from '../errors/index.js';
import type { Logger } from '../log.js';
import { RestartWindow } from './intensity.js';
import type { ChildState, ChildStatus, StopReason, Supervised } from './types.js';

/**
 * The supervisor's book-keeping for one child: its state, counters, restart window, and the
 * start/stop calls guarded so that a stale crash report (from an earlier run) or a second stop can
 * never reach the child.
 */
export class SupervisedChild {
  state: ChildState = 'stopped';
  restarts = 0;
  lastError: DocflowError | undefined;
  lastRestartAt: number | undefined;
  /** The restart or crash handling in progress, if any. */
  cycle: Promise<unknown> | undefined;
  readonly window: RestartWindow;
  #attempt = 0;
  #runningSince: number | undefined;
  #generation = 0;
  #abort = new AbortController();
  #pendingCrash: { err: unknown } | undefined;
  #needsStop = false;

  constructor(
    readonly child: Supervised,
    intensity: { maxRestarts: number; periodMs: number },
    private readonly log: Logger,
  ) {
    this.window = new RestartWindow(intensity.maxRestarts, intensity.periodMs);
  }

  get name(): string { return this.child.name; }

  /**
   * Start the child once. A throw, or a crash reported before `start()` settles, is a failed start.
   * @param onCrash called when this run reports a crash while `running`.
   * @returns `undefined` when the child runs, else the failure.
   */
  async start(now: () => number, onCrash: (err: unknown) => void): Promise<{ err: unknown } | undefined> {
    const generation = ++this.#generation;
    this.#abort = new AbortController();
    this.#pendingCrash = undefined;
    this.#needsStop = true;
    this.state = 'starting';
    const crashed = (err: unknown): void => {
      if (generation !== this.#generation) return this.log.debug({ child: this.name }, 'crash report from an earlier run ignored');
      if (this.state === 'starting') this.#pendingCrash ??= { err };
      else if (this.state === 'running') onCrash(err);
    };
    try {
      await this.child.start({ crashed, signal: this.#abort.signal });
    } catch (err) {
      return { err };
    }
    if (this.#pendingCrash) return this.#pendingCrash;
    if (this.state !== 'starting') return undefined; // stopped meanwhile by close(): not a failure
    this.state = 'running';
    this.#runningSince = now();
    return undefined;
  }

  /**
   * Stop the child if it was started since its last stop; a failing stop is logged, never thrown,
   * so that the caller's next step (backoff, the next child's shutdown) still happens.
   */
  async stop(reason: StopReason): Promise<void> {
    this.#generation++; // from here on, crash reports of the run being stopped are stale
    this.#abort.abort();
    if (!this.#needsStop) return;
    this.#needsStop = false;
    try {
      await this.child.stop(reason);
    } catch (err) {
      this.log.warn({ child: this.name, reason, err: toDocflowError(err).toInfo() }, 'child failed to stop cleanly; going on');
    }
  }

  /** Whether `stop` would reach the child (it was started and not stopped since). */
  get started(): boolean { return this.#needsStop; }

  /**
   * The backoff attempt for the restart being decided at `now`: 0 again when the child had run
   * longer than `stableMs`, else one more than last time.
   */
  nextAttempt(now: number, stableMs: number): number {
    if (this.#runningSince !== undefined && now - this.#runningSince >= stableMs) this.#attempt = 0;
    this.#runningSince = undefined;
    return this.#attempt++;
  }

  status(): ChildStatus {
    const s: ChildStatus = { name: this.name, state: this.state, restarts: this.restarts };
    if (this.lastError) s.lastError = { code: this.lastError.code, message: this.lastError.message };
    if (this.lastRestartAt !== undefined) s.lastRestartAt = this.lastRestartAt;
    return s;
  }
}
