import { silentLogger, type Logger } from '../log.js';
import {
  assertFunction, assertLogger, assertNonNegativeInteger, assertObject, assertPositiveInteger, fillDefaults,
} from '../util/validate.js';
import { createSystemSampler, sampleProcessMemory } from './samplers.js';
import type { ProcessMemory, SystemMemory } from './types.js';

/** Calls `tick` every `intervalMs`; returns how to stop. */
export type IntervalTimer = (tick: () => void, intervalMs: number) => () => void;

/** Options of a `MemoryMonitor`; all optional. */
export interface MemoryMonitorOptions {
  /** Time between samples, ms. @defaultValue 1000 */
  intervalMs?: number;
  /** Samples kept for the trend (the history is bounded to this). @defaultValue 120 */
  historySize?: number;
  /**
   * The RSS this process may use, bytes: at or above it the level is `critical`.
   * @defaultValue 1.5 GiB (1610612736)
   */
  limitBytes?: number;
  /** RSS at or above `highRatio × limitBytes` is `high`; greater than 0, at most 1. @defaultValue 0.8 */
  highRatio?: number;
  /**
   * How far below a threshold, as a fraction of `limitBytes`, RSS must fall before the level drops
   * (and how much above `minSystemFreeBytes` free memory must rise to leave `critical`); from 0 to
   * below `highRatio`. @defaultValue 0.05
   */
  hysteresis?: number;
  /** Less free system (or container) memory than this, bytes, is `critical`. @defaultValue 256 MiB (268435456) */
  minSystemFreeBytes?: number;
  /** The clock, ms. @defaultValue Date.now */
  now?: () => number;
  /** RSS and heap of this process. @defaultValue from process.memoryUsage() */
  sampleProcess?: () => ProcessMemory;
  /** Total and free system memory. @defaultValue os.totalmem()/os.freemem(), narrowed to the cgroup limit */
  sampleSystem?: () => SystemMemory;
  /** The sampling timer. @defaultValue setInterval, unref()'ed so it never keeps the process alive */
  timer?: IntervalTimer;
  /** @defaultValue silentLogger */
  logger?: Logger;
}

/** Options with every default filled in. */
export type FilledMemoryMonitorOptions = Required<MemoryMonitorOptions>;

const GiB = 1024 ** 3;
const MiB = 1024 ** 2;

const unrefInterval: IntervalTimer = (tick, intervalMs) => {
  const handle = setInterval(tick, intervalMs);
  handle.unref();
  return () => clearInterval(handle);
};

/** The defaults; `sampleSystem` is created per monitor, as it remembers what it probed. */
type Draft = Omit<FilledMemoryMonitorOptions, 'sampleSystem'> & { sampleSystem?: () => SystemMemory };

/** The defaults, frozen. */
export const kMemoryMonitorDefaults: Readonly<Draft> = Object.freeze({
  intervalMs: 1_000,
  historySize: 120,
  limitBytes: 1.5 * GiB,
  highRatio: 0.8,
  hysteresis: 0.05,
  minSystemFreeBytes: 256 * MiB,
  now: Date.now,
  sampleProcess: sampleProcessMemory,
  timer: unrefInterval,
  logger: silentLogger,
});

/** Validate `options` (a `TypeError` names the first bad field) and fill in the defaults. */
export function fillMemoryMonitorOptions(options: MemoryMonitorOptions = {}): FilledMemoryMonitorOptions {
  assertObject('options', options);
  const o = fillDefaults<Draft>(kMemoryMonitorDefaults, options);
  assertPositiveInteger('options.intervalMs', o.intervalMs);
  assertPositiveInteger('options.historySize', o.historySize);
  assertPositiveInteger('options.limitBytes', o.limitBytes);
  if (typeof o.highRatio !== 'number' || !(o.highRatio > 0 && o.highRatio <= 1)) {
    throw new TypeError('options.highRatio must be a number greater than 0 and at most 1');
  }
  if (typeof o.hysteresis !== 'number' || !(o.hysteresis >= 0 && o.hysteresis < o.highRatio)) {
    throw new TypeError('options.hysteresis must be a number from 0 to below options.highRatio');
  }
  assertNonNegativeInteger('options.minSystemFreeBytes', o.minSystemFreeBytes);
  assertFunction('options.now', o.now);
  assertFunction('options.sampleProcess', o.sampleProcess);
  if (o.sampleSystem !== undefined) assertFunction('options.sampleSystem', o.sampleSystem);
  assertFunction('options.timer', o.timer);
  assertLogger('options.logger', o.logger);
  return Object.freeze({ ...o, sampleSystem: o.sampleSystem ?? createSystemSampler() });
}
