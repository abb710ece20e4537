import { setTimeout as delay } from 'node:timers/promises';
import { silentLogger, type Logger } from '../log.js';
import {
  assertFunction, assertLogger, assertNonNegativeInteger, assertNonNegativeNumber, assertNumberInRange, assertObject,
  assertPositiveInteger, fillDefaults,
} from '../util/validate.js';

/** How long to wait before starting a crashed child again: min·factor^attempt, capped, with jitter. */
export interface RestartOptions {
  /** Delay of the first restart, ms. @defaultValue 100 */
  minDelayMs?: number;
  /** Cap of the delay before jitter, ms (≥ minDelayMs). @defaultValue 30000 */
  maxDelayMs?: number;
  /** Spread of the delay as a fraction: delay·(1 ± jitter), from 0 to 1. @defaultValue 0.2 */
  jitter?: number;
  /** Growth of the delay per attempt (≥ 1). @defaultValue 2 */
  factor?: number;
}

/**
 * Restart intensity, as in OTP: a child that would be restarted more than `maxRestarts` times
 * within `periodMs` is given up on (escalated) instead.
 */
export interface IntensityOptions {
  /** R: restarts allowed inside the period. @defaultValue 3 */
  maxRestarts?: number;
  /**
   * P: the sliding period, ms. A child that ran longer than this before crashing also starts its
   * backoff over from `minDelayMs`. @defaultValue 5000
   */
  periodMs?: number;
}

/** Options of a `Supervisor`; all optional. */
export interface SupervisorOptions {
  restart?: RestartOptions;
  intensity?: IntensityOptions;
  /** The clock, ms. @defaultValue Date.now */
  now?: () => number;
  /** Source of jitter, in [0, 1). @defaultValue Math.random */
  random?: () => number;
  /**
   * Waits `ms` (the backoff); must settle (resolve or reject) early when `signal` aborts, which it
   * does when the supervisor closes. @defaultValue node:timers/promises setTimeout
   */
  sleep?: (ms: number, signal: AbortSignal) => Promise<void>;
  /** @defaultValue silentLogger */
  logger?: Logger;
}

/** Options with every default filled in. */
export interface FilledSupervisorOptions {
  restart: Required<RestartOptions>;
  intensity: Required<IntensityOptions>;
  now: () => number;
  random: () => number;
  sleep: (ms: number, signal: AbortSignal) => Promise<void>;
  logger: Logger;
}

const kRestartDefaults: Readonly<Required<RestartOptions>> = Object.freeze({ minDelayMs: 100, maxDelayMs: 30_000, jitter: 0.2, factor: 2 });
const kIntensityDefaults: Readonly<Required<IntensityOptions>> = Object.freeze({ maxRestarts: 3, periodMs: 5_000 });

/** The defaults, frozen. */
export const kSupervisorDefaults: Readonly<FilledSupervisorOptions> = Object.freeze({
  restart: kRestartDefaults,
  intensity: kIntensityDefaults,
  now: Date.now,
  random: Math.random,
  sleep: (ms: number, signal: AbortSignal) => delay(ms, undefined, { signal }),
  logger: silentLogger,
});

/** Validate `options` (a `TypeError` names the first bad field) and fill in the defaults. */
export function fillSupervisorOptions(options: SupervisorOptions = {}): FilledSupervisorOptions {
  assertObject('options', options);
  if (options.restart !== undefined) assertObject('options.restart', options.restart);
  if (options.intensity !== undefined) assertObject('options.intensity', options.intensity);
  const restart = fillDefaults(kRestartDefaults, options.restart);
  assertNonNegativeNumber('options.restart.minDelayMs', restart.minDelayMs);
  assertNonNegativeNumber('options.restart.maxDelayMs', restart.maxDelayMs);
  if (restart.maxDelayMs < restart.minDelayMs) {
    throw new TypeError('options.restart.maxDelayMs must be at least options.restart.minDelayMs');
  }
  assertNumberInRange('options.restart.jitter', restart.jitter, 0, 1);
  if (typeof restart.factor !== 'number' || !Number.isFinite(restart.factor) || restart.factor < 1) {
    throw new TypeError('options.restart.factor must be a finite number ≥ 1');
  }
  const intensity = fillDefaults(kIntensityDefaults, options.intensity);
  assertNonNegativeInteger('options.intensity.maxRestarts', intensity.maxRestarts);
  assertPositiveInteger('options.intensity.periodMs', intensity.periodMs);
  const { restart: _r, intensity: _i, ...rest } = options;
  const o = fillDefaults<Omit<FilledSupervisorOptions, 'restart' | 'intensity'>>(kSupervisorDefaults, rest);
  assertFunction('options.now', o.now);
  assertFunction('options.random', o.random);
  assertFunction('options.sleep', o.sleep);
  assertLogger('options.logger', o.logger);
  return Object.freeze({ ...o, restart: Object.freeze(restart), intensity: Object.freeze(intensity) });
}
