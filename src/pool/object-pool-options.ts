import { performance } from 'node:perf_hooks';
import { silentLogger, type Logger } from '../log.js';
import {
  assertBoolean, assertFunction, assertLogger, assertNonEmptyString, assertNonNegativeInteger, assertPositiveInteger,
  fillDefaults,
} from '../util/validate.js';

/** How an `ObjectPool` makes, checks and disposes of its objects. */
export interface ObjectFactory<T> {
  /** Make a new object (a parser, a model instance, a client). */
  create(): Promise<T>;
  /** Release what the object holds; errors are logged, not thrown. @defaultValue nothing */
  destroy?(obj: T): void | Promise<void>;
  /** Run when an object comes back: `false` (or a throw) destroys it instead of reusing it. @defaultValue always valid */
  validate?(obj: T): boolean | Promise<boolean>;
}

/** Options of an `ObjectPool`; all optional. */
export interface ObjectPoolOptions {
  /** Name in errors, logs and stats. @defaultValue 'objects' */
  name?: string;
  /** Most objects alive at once (idle + in use + being created). @defaultValue 10 */
  maxSize?: number;
  /** Objects created by `start()` and never evicted for idleness. @defaultValue 0 */
  minSize?: number;
  /** Longest `acquire()` waits, ms; then it rejects with `ERR_POOL_TIMEOUT`. @defaultValue 5000 */
  acquireTimeoutMs?: number;
  /**
   * Idle objects older than this are destroyed, down to `minSize`, ms; 0 = never. Checked every
   * `idleTimeoutMs / 2` by an unref'ed timer. @defaultValue 30000
   */
  idleTimeoutMs?: number;
  /** Most callers waiting in `acquire()`; one more is rejected with `ERR_POOL_QUEUE_FULL`. @defaultValue 1000 */
  maxWaiters?: number;
  /**
   * Resize by load: every `autoscaleIntervalMs`, grow `maxSize` by 1 (up to `autoscaleMax`) if
   * callers had to wait, else shrink it by 1 (down to `minSize`, at least 1) if more than half the
   * objects sat idle. @defaultValue false
   */
  autoscale?: boolean;
  /** @defaultValue 1000 */
  autoscaleIntervalMs?: number;
  /** Ceiling for autoscaling. @defaultValue maxSize × 2 */
  autoscaleMax?: number;
  /** @defaultValue silentLogger */
  logger?: Logger;
  /** Clock for idle ages, ms (injectable for tests). @defaultValue performance.now */
  now?: () => number;
}

/** Options with every default filled in. */
export type FilledObjectPoolOptions = Required<ObjectPoolOptions>;

const kDefaults: Readonly<Omit<FilledObjectPoolOptions, 'autoscaleMax'>> = Object.freeze({
  name: 'objects',
  maxSize: 10,
  minSize: 0,
  acquireTimeoutMs: 5000,
  idleTimeoutMs: 30_000,
  maxWaiters: 1000,
  autoscale: false,
  autoscaleIntervalMs: 1000,
  logger: silentLogger,
  now: () => performance.now(),
});

/** Validate `factory` and `options` (a `TypeError` names the first bad field) and fill in the defaults. */
export function fillObjectPoolOptions<T>(factory: ObjectFactory<T>, options: ObjectPoolOptions): FilledObjectPoolOptions {
  if (typeof factory !== 'object' || factory === null) throw new TypeError('factory must be an object');
  assertFunction('factory.create', factory.create);
  if (factory.destroy !== undefined) assertFunction('factory.destroy', factory.destroy);
  if (factory.validate !== undefined) assertFunction('factory.validate', factory.validate);
  if (typeof options !== 'object' || options === null) throw new TypeError('options must be an object');
  const base = fillDefaults<Omit<FilledObjectPoolOptions, 'autoscaleMax'>>(kDefaults, options);
  assertNonEmptyString('options.name', base.name);
  assertPositiveInteger('options.maxSize', base.maxSize);
  assertNonNegativeInteger('options.minSize', base.minSize);
  if (base.minSize > base.maxSize) throw new TypeError('options.minSize must not exceed options.maxSize');
  assertPositiveInteger('options.acquireTimeoutMs', base.acquireTimeoutMs);
  assertNonNegativeInteger('options.idleTimeoutMs', base.idleTimeoutMs);
  assertPositiveInteger('options.maxWaiters', base.maxWaiters);
  assertBoolean('options.autoscale', base.autoscale);
  assertPositiveInteger('options.autoscaleIntervalMs', base.autoscaleIntervalMs);
  const autoscaleMax = options.autoscaleMax ?? base.maxSize * 2;
  assertPositiveInteger('options.autoscaleMax', autoscaleMax);
  if (autoscaleMax < base.maxSize) throw new TypeError('options.autoscaleMax must be at least options.maxSize');
  assertLogger('options.logger', base.logger);
  assertFunction('options.now', base.now);
  return { ...base, autoscaleMax };
}
