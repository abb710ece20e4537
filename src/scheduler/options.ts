import { silentLogger, type Logger } from '../log.js';
import {
  assertFunction, assertLogger, assertNonEmptyString, assertNonNegativeInteger, assertPositiveInteger, fillDefaults,
} from '../util/validate.js';
import { PRIORITIES, perPriority, type Priority } from './priority.js';

/** The timer functions the scheduler uses; injectable so that tests run in virtual time. */
export interface SchedulerTimers {
  setTimeout(fn: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}

/** Exponential backoff of retryable failures: base·2^(attempt-1), capped, spread by ±jitter. */
export interface RetryOptions {
  /** Attempts in all, the first included; 1 = never retry. @defaultValue 3 */
  maxAttempts?: number;
  /** Delay before the second attempt, ms. @defaultValue 100 */
  baseDelayMs?: number;
  /** Cap of the delay, ms (jitter never exceeds it). @defaultValue 10000 */
  maxDelayMs?: number;
  /** Spread of each delay as a fraction, from 0 to 1 (0.2 = ±20%). @defaultValue 0.2 */
  jitter?: number;
}

/** Options of a `PriorityScheduler`; all optional. */
export interface SchedulerOptions {
  /** Name in errors and logs. @defaultValue 'scheduler' */
  name?: string;
  /** Tasks running at once; change it at run time with `setConcurrency`. @defaultValue 1 */
  concurrency?: number;
  /**
   * Tasks that may wait at each level (one number for all, or per level); one more is rejected
   * with the retryable `ERR_SCHEDULER_FULL`. Bounds new submissions only: a task already admitted
   * re-enters its level after a retry backoff even when the level is full. @defaultValue 1000
   */
  maxQueued?: number | Partial<Record<Priority, number>>;
  /** Retries of failures that say `retryable: true`. @defaultValue see `RetryOptions` */
  retry?: RetryOptions;
  /**
   * Longest one attempt may run, ms; past it the task's signal is aborted and the attempt fails with
   * the retryable `ERR_SCHEDULER_TIMEOUT`. 0 = no limit. @defaultValue 30000
   */
  timeoutMs?: number;
  /** Picks of higher levels a level with waiting work tolerates before it is served. @defaultValue 8 */
  starvationLimit?: number;
  /** On `close()`: how long running tasks may finish before their signals are aborted, ms. @defaultValue 5000 */
  closeGraceMs?: number;
  /** Clock for durations and throughput, ms. @defaultValue Date.now */
  now?: () => number;
  /** Source of jitter, in [0, 1). @defaultValue Math.random */
  random?: () => number;
  /** @defaultValue the global setTimeout / clearTimeout */
  timers?: SchedulerTimers;
  /** @defaultValue silentLogger */
  logger?: Logger;
}

/** Options with every default filled in. */
export interface FilledSchedulerOptions {
  name: string;
  concurrency: number;
  maxQueued: Record<Priority, number>;
  retry: Required<RetryOptions>;
  timeoutMs: number;
  starvationLimit: number;
  closeGraceMs: number;
  now: () => number;
  random: () => number;
  timers: SchedulerTimers;
  logger: Logger;
}

const kDefaultRetry: Readonly<Required<RetryOptions>> = Object.freeze({ maxAttempts: 3, baseDelayMs: 100, maxDelayMs: 10_000, jitter: 0.2 });

const kDefaultTimers: SchedulerTimers = Object.freeze({
  setTimeout: (fn: () => void, ms: number): unknown => setTimeout(fn, ms),
  clearTimeout: (handle: unknown): void => clearTimeout(handle as NodeJS.Timeout),
});

type FlatOptions = Omit<FilledSchedulerOptions, 'maxQueued' | 'retry'>;

const kDefaults: Readonly<FlatOptions> = Object.freeze({
  name: 'scheduler',
  concurrency: 1,
  timeoutMs: 30_000,
  starvationLimit: 8,
  closeGraceMs: 5000,
  now: Date.now,
  random: Math.random,
  timers: kDefaultTimers,
  logger: silentLogger,
});

/** The default queue bound of each level. */
export const DEFAULT_MAX_QUEUED = 1000;

/** Validate `options` (a `TypeError` names the first bad field) and fill in the defaults. */
export function fillSchedulerOptions(options: SchedulerOptions = {}): FilledSchedulerOptions {
  if (typeof options !== 'object' || options === null) throw new TypeError('options must be an object');
  const { maxQueued, retry, ...rest } = options;
  const o = fillDefaults<FlatOptions>(kDefaults, rest);
  assertNonEmptyString('options.name', o.name);
  assertPositiveInteger('options.concurrency', o.concurrency);
  assertNonNegativeInteger('options.timeoutMs', o.timeoutMs);
  assertPositiveInteger('options.starvationLimit', o.starvationLimit);
  assertNonNegativeInteger('options.closeGraceMs', o.closeGraceMs);
  assertFunction('options.now', o.now);
  assertFunction('options.random', o.random);
  checkTimers(o.timers);
  assertLogger('options.logger', o.logger);
  return { ...o, maxQueued: fillMaxQueued(maxQueued), retry: fillRetry(retry) };
}

function fillMaxQueued(given: SchedulerOptions['maxQueued']): Record<Priority, number> {
  if (given === undefined || typeof given === 'number') {
    const n = given ?? DEFAULT_MAX_QUEUED;
    assertPositiveInteger('options.maxQueued', n);
    return perPriority(() => n);
  }
  if (typeof given !== 'object' || given === null) throw new TypeError('options.maxQueued must be a positive integer or an object by priority');
  for (const key of Object.keys(given)) {
    if (!(PRIORITIES as readonly string[]).includes(key)) throw new TypeError(`options.maxQueued.${key} is not a priority (${PRIORITIES.join(', ')})`);
  }
  return perPriority((p) => {
    const n = given[p] ?? DEFAULT_MAX_QUEUED;
    assertPositiveInteger(`options.maxQueued.${p}`, n);
    return n;
  });
}

function fillRetry(given: RetryOptions | undefined): Required<RetryOptions> {
  if (given !== undefined && (typeof given !== 'object' || given === null)) throw new TypeError('options.retry must be an object');
  const r = fillDefaults<Required<RetryOptions>>(kDefaultRetry, given ?? {});
  assertPositiveInteger('options.retry.maxAttempts', r.maxAttempts);
  assertNonNegativeInteger('options.retry.baseDelayMs', r.baseDelayMs);
  assertNonNegativeInteger('options.retry.maxDelayMs', r.maxDelayMs);
  if (r.maxDelayMs < r.baseDelayMs) throw new TypeError('options.retry.maxDelayMs must be at least options.retry.baseDelayMs');
  if (typeof r.jitter !== 'number' || !(r.jitter >= 0 && r.jitter <= 1)) throw new TypeError('options.retry.jitter must be a number from 0 to 1');
  return r;
}

function checkTimers(timers: unknown): void {
  const t = timers as Partial<SchedulerTimers> | null;
  if (typeof t !== 'object' || t === null || typeof t.setTimeout !== 'function' || typeof t.clearTimeout !== 'function') {
    throw new TypeError('options.timers must have setTimeout and clearTimeout functions');
  }
}
