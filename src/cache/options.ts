/**
 * Cache options: `CacheOptions` is the filled form; callers pass a {@link CacheOptionsInput} (every
 * field optional, groups merged field by field) and get the defaults for the rest.
 */
import {
  assertBoolean, assertNonNegativeInteger, assertObject, assertPositiveInteger,
} from '../util/validate.js';

/** The three levels: in-process memory, Redis, PostgreSQL. */
export type CacheLevelName = 'l1' | 'l2' | 'l3';

/** Every level name, fastest first. */
export const CACHE_LEVELS: readonly CacheLevelName[] = Object.freeze(['l1', 'l2', 'l3']);

/** L1: this process's memory. */
export interface L1Options {
  /** Most entries kept. @defaultValue 10000 */
  maxEntries: number;
  /** Most bytes kept, by the approximate size of each value. @defaultValue 64 MiB */
  maxBytes: number;
  /**
   * Longest time an entry stays in L1, ms, whatever its own TTL: bounds how long this process can
   * serve a value that another process has invalidated in L2/L3. @defaultValue 60000
   */
  ttlMs: number;
}

/** L2: Redis. */
export interface L2Options {
  /** `redis://host:port`; empty means no L2. @defaultValue '' */
  url: string;
  /** In front of every Redis key. @defaultValue 'docflow:cache:' */
  keyPrefix: string;
  /** One operation slower than this, ms, counts as a failure and degrades L2. @defaultValue 50 */
  timeoutMs: number;
  /** Encoded values of at least this many bytes are LZ4-compressed (when that pays). @defaultValue 1024 */
  compressMinBytes: number;
}

/** L3: PostgreSQL (the pool is handed to the cache, see `CacheDeps.db`). */
export interface L3Options {
  /** @defaultValue true */
  enabled: boolean;
  /** Time between two deletions of expired rows, ms; 0 = never sweep. @defaultValue 60000 */
  sweepIntervalMs: number;
  /** One operation slower than this, ms, counts as a failure and degrades L3. @defaultValue 1000 */
  timeoutMs: number;
}

/** Everything a {@link Cache} is configured by. */
export interface CacheOptions {
  l1: L1Options;
  l2: L2Options;
  l3: L3Options;
  /** TTL of an entry set without one, ms. @defaultValue 3600000 (1 h) */
  defaultTtlMs: number;
  /** Levels read and written when a call names none, fastest first. @defaultValue ['l1', 'l2', 'l3'] */
  levels: readonly CacheLevelName[];
  /** While a level is degraded, try it again this often, ms. @defaultValue 1000 */
  probeIntervalMs: number;
  /** Bound on invalidation and delete calls (they scan), ms. @defaultValue 10000 */
  invalidateTimeoutMs: number;
  /** Encoded values larger than this stay out of L2/L3 (and are refused when read back). @defaultValue 8 MiB */
  maxValueBytes: number;
}

/** Options as given: any field may be left out. */
export interface CacheOptionsInput {
  l1?: Partial<L1Options>;
  l2?: Partial<L2Options>;
  l3?: Partial<L3Options>;
  defaultTtlMs?: number;
  levels?: readonly CacheLevelName[];
  probeIntervalMs?: number;
  invalidateTimeoutMs?: number;
  maxValueBytes?: number;
}

const MiB = 1024 * 1024;

/** The defaults, frozen. */
export const DEFAULT_CACHE_OPTIONS: Readonly<CacheOptions> = deepFreeze({
  l1: { maxEntries: 10_000, maxBytes: 64 * MiB, ttlMs: 60_000 },
  l2: { url: '', keyPrefix: 'docflow:cache:', timeoutMs: 50, compressMinBytes: 1024 },
  l3: { enabled: true, sweepIntervalMs: 60_000, timeoutMs: 1_000 },
  defaultTtlMs: 3_600_000,
  levels: ['l1', 'l2', 'l3'],
  probeIntervalMs: 1_000,
  invalidateTimeoutMs: 10_000,
  maxValueBytes: 8 * MiB,
});

function deepFreeze<T extends object>(value: T): Readonly<T> {
  for (const v of Object.values(value)) if (typeof v === 'object' && v !== null) deepFreeze(v as object);
  return Object.freeze(value);
}

function group<T extends object>(field: string, defaults: Readonly<T>, given: unknown): T {
  if (given === undefined) return { ...defaults };
  assertObject(field, given);
  const out = { ...defaults } as Record<string, unknown>;
  for (const key of Object.keys(defaults)) if (given[key] !== undefined) out[key] = given[key];
  return out as T;
}

/**
 * Fill `input` from {@link DEFAULT_CACHE_OPTIONS}, check every field and freeze the result.
 *
 * @throws TypeError naming the first bad field, e.g. `options.l1.maxBytes must be a positive integer`.
 */
export function resolveCacheOptions(input?: CacheOptionsInput): Readonly<CacheOptions> {
  if (input === undefined) return DEFAULT_CACHE_OPTIONS;
  assertObject('options', input as unknown);
  const d = DEFAULT_CACHE_OPTIONS;
  const o: CacheOptions = {
    l1: group('options.l1', d.l1, input.l1),
    l2: group('options.l2', d.l2, input.l2),
    l3: group('options.l3', d.l3, input.l3),
    defaultTtlMs: input.defaultTtlMs ?? d.defaultTtlMs,
    levels: input.levels ?? d.levels,
    probeIntervalMs: input.probeIntervalMs ?? d.probeIntervalMs,
    invalidateTimeoutMs: input.invalidateTimeoutMs ?? d.invalidateTimeoutMs,
    maxValueBytes: input.maxValueBytes ?? d.maxValueBytes,
  };
  assertPositiveInteger('options.l1.maxEntries', o.l1.maxEntries);
  assertPositiveInteger('options.l1.maxBytes', o.l1.maxBytes);
  assertPositiveInteger('options.l1.ttlMs', o.l1.ttlMs);
  if (typeof o.l2.url !== 'string' || (o.l2.url !== '' && !/^rediss?:\/\//.test(o.l2.url))) {
    throw new TypeError('options.l2.url must be empty (no L2) or a redis:// URL');
  }
  if (typeof o.l2.keyPrefix !== 'string') throw new TypeError('options.l2.keyPrefix must be a string');
  assertPositiveInteger('options.l2.timeoutMs', o.l2.timeoutMs);
  assertNonNegativeInteger('options.l2.compressMinBytes', o.l2.compressMinBytes);
  assertBoolean('options.l3.enabled', o.l3.enabled);
  assertNonNegativeInteger('options.l3.sweepIntervalMs', o.l3.sweepIntervalMs);
  assertPositiveInteger('options.l3.timeoutMs', o.l3.timeoutMs);
  assertPositiveInteger('options.defaultTtlMs', o.defaultTtlMs);
  assertLevels('options.levels', o.levels);
  o.levels = [...o.levels];
  assertPositiveInteger('options.probeIntervalMs', o.probeIntervalMs);
  assertPositiveInteger('options.invalidateTimeoutMs', o.invalidateTimeoutMs);
  assertPositiveInteger('options.maxValueBytes', o.maxValueBytes);
  return deepFreeze(o);
}

/** Throws unless `levels` is a non-empty list of distinct level names. */
export function assertLevels(field: string, levels: unknown): asserts levels is readonly CacheLevelName[] {
  const ok = Array.isArray(levels) && levels.length > 0 && levels.every((l) => (CACHE_LEVELS as readonly unknown[]).includes(l)) && new Set(levels).size === levels.length;
  if (!ok) throw new TypeError(`${field} must be a non-empty list of distinct levels from 'l1', 'l2', 'l3'`);
}
