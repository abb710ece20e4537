/**
 * Caching a function by its arguments in one line: `const find = cached(cache, { prefix: 'find',
 * ttlMs: 60_000 }, findUncached)`. Calls go through `getOrCompute` (single flight included) with the
 * key `cacheKey(prefix, args)`; invalidate them all with `cache.invalidatePrefix(prefix + ':')`.
 */
import type { Cache } from './cache.js';
import { cacheKey } from './keys.js';
import type { CacheLevelName } from './options.js';
import type { SetOptions } from './types.js';

/**
 * Tags computed from the call's arguments. Written as a conditional type so that TypeScript infers
 * the arguments from the wrapped function, not from this callback (which may take fewer).
 */
export type TagsOf<A extends unknown[]> = [A] extends [infer P extends unknown[]] ? (...args: P) => readonly string[] : never;

/** How a wrapped function's results are cached. */
export interface CachedOptions<A extends unknown[]> {
  /** Names the function in its keys; unique per function. */
  prefix: string;
  /** @defaultValue the cache's `defaultTtlMs` */
  ttlMs?: number;
  /** Tags of every result, or computed from the arguments. */
  tags?: readonly string[] | TagsOf<A>;
  /** @defaultValue the cache's `levels` */
  levels?: readonly CacheLevelName[];
}

function setOptions<A extends unknown[]>(opts: CachedOptions<A>, args: A): SetOptions {
  const out: SetOptions = {};
  if (opts.ttlMs !== undefined) out.ttlMs = opts.ttlMs;
  if (opts.levels !== undefined) out.levels = opts.levels;
  const tags = opts.tags;
  if (tags !== undefined) out.tags = typeof tags === 'function' ? (tags as (...a: A) => readonly string[])(...args) : (tags as readonly string[]);
  return out;
}

/**
 * `fn` with its results cached by its arguments (compared by value, object keys in any order).
 * Arguments must be plain data; results must be plain data the codec can carry to L2/L3.
 *
 * @throws TypeError at once when `opts.prefix` is not a usable prefix.
 */
export function cached<This, A extends unknown[], R>(
  cache: Cache,
  opts: CachedOptions<A>,
  fn: (this: This, ...args: A) => R | Promise<R>,
): (this: This, ...args: A) => Promise<R> {
  cacheKey(opts.prefix, []);
  return function cachedCall(this: This, ...args: A): Promise<R> {
    return cache.getOrCompute(cacheKey(opts.prefix, args), () => fn.apply(this, args), setOptions(opts, args));
  };
}

/**
 * The method-decorator form (TS 5 standard decorators): `@cachedMethod((self) => self.cache, { prefix:
 * 'entities.find' })`. The key holds the arguments only, not the instance: give each instance whose
 * results differ its own prefix, or use {@link cached} in the constructor.
 */
export function cachedMethod<This, A extends unknown[], R>(cacheOf: (self: This) => Cache, opts: CachedOptions<A>) {
  cacheKey(opts.prefix, []);
  return function decorate(
    method: (this: This, ...args: A) => R | Promise<R>,
    _context: ClassMethodDecoratorContext<This, (this: This, ...args: A) => Promise<R>>,
  ): (this: This, ...args: A) => Promise<R> {
    return function cachedCall(this: This, ...args: A): Promise<R> {
      return cacheOf(this).getOrCompute(cacheKey(opts.prefix, args), () => method.apply(this, args), setOptions(opts, args));
    };
  };
}
