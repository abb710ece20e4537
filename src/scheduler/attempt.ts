import type { SchedulerTimers } from './options.js';

/** A task as the scheduler runs it: stop when `signal` aborts; `attempt` counts from 1. */
export type Task<R> = (signal: AbortSignal, attempt: number) => Promise<R>;

/** How one attempt ended. `aborted` is the signal's reason when the attempt was cut short. */
export type AttemptOutcome<R> =
  | { ok: true; value: R }
  | { ok: false; error: unknown; aborted: boolean };

/**
 * Run one attempt of `task` under `controller`: the attempt ends when the task settles or as soon
 * as the controller aborts (timeout, caller abort, close), whichever comes first. The scheduler does
 * not wait for a task that ignores its signal: it cannot be killed, and holding its slot forever
 * would stall every level. `onTimeout` supplies the reason when `timeoutMs` (0 = none) passes.
 */
export function runAttempt<R>(
  task: Task<R>,
  attempt: number,
  controller: AbortController,
  timeout: { timeoutMs: number; timers: SchedulerTimers; onTimeout: () => unknown },
): Promise<AttemptOutcome<R>> {
  const { signal } = controller;
  return new Promise<AttemptOutcome<R>>((resolve) => {
    let done = false;
    let timer: unknown;
    const finish = (outcome: AttemptOutcome<R>): void => {
      if (done) return;
      done = true;
      if (timer !== undefined) timeout.timers.clearTimeout(timer);
      signal.removeEventListener('abort', onAbort);
      resolve(outcome);
    };
    const onAbort = (): void => finish({ ok: false, error: signal.reason, aborted: true });
    signal.addEventListener('abort', onAbort, { once: true });
    if (timeout.timeoutMs > 0) {
      timer = timeout.timers.setTimeout(() => controller.abort(timeout.onTimeout()), timeout.timeoutMs);
    }
    let running: Promise<R>;
    try {
      running = task(signal, attempt);
    } catch (err) {
      // A task that throws before returning a promise fails its attempt like one that rejects.
      running = Promise.reject(err);
    }
    Promise.resolve(running).then(
      (value) => finish({ ok: true, value }),
      (error: unknown) => finish({ ok: false, error, aborted: false }),
    );
  });
}
