import { DocflowError, toDocflowError } from '../errors/index.js';
import type { Logger } from '../log.js';
import { nextMaxSize } from './autoscale.js';
import { abortedError, acquireTimeoutError, poolClosedError, tooManyWaitersError } from './errors.js';
import { fillObjectPoolOptions, type FilledObjectPoolOptions, type ObjectFactory, type ObjectPoolOptions } from './object-pool-options.js';
import { assertPositiveInteger } from '../util/validate.js';
import { WaiterQueue } from './waiters.js';

/** A snapshot of an `ObjectPool`. */
export interface ObjectPoolStats {
  name: string;
  /** Current cap (moves with `resize()` and autoscaling). */
  maxSize: number;
  minSize: number;
  /** Objects alive: idle + in use + being created or checked on return. */
  size: number;
  idle: number;
  inUse: number;
  /** Callers waiting in `acquire()`. */
  waiting: number;
  /** Acquisitions served with an existing object. */
  hits: number;
  /** Acquisitions served with a freshly created object. */
  misses: number;
  created: number;
  /** Objects destroyed for any reason (invalid, evicted, shrunk, closed). */
  destroyed: number;
  /** Objects destroyed for idling past `idleTimeoutMs`. */
  evicted: number;
  /** `acquire()` calls that timed out. */
  timeouts: number;
}

interface Idle<T> {
  obj: T;
  /** `now()` when it became idle. */
  since: number;
}

/**
 * A bounded pool of reusable objects (parsers, model instances, clients): FIFO waiters with a
 * timeout and an AbortSignal, validation on return, idle eviction down to `minSize`, resizing at run
 * time and optional autoscaling. Objects are told apart by identity, so each must be distinct.
 */
export class ObjectPool<T> {
  readonly name: string;
  readonly #factory: ObjectFactory<T>;
  readonly #o: FilledObjectPoolOptions;
  readonly #log: Logger;
  /** Reused from the end (warm objects first), evicted from the front (the longest idle). */
  readonly #idle: Idle<T>[] = [];
  readonly #inUse = new Set<T>();
  readonly #waiters = new WaiterQueue<T>();
  /** Creations and destructions under way; `close()` waits for them. */
  readonly #inflight = new Set<Promise<void>>();
  readonly #timers: NodeJS.Timeout[] = [];
  #maxSize: number;
  #creating = 0;
  #returning = 0;
  #sawWaiters = false;
  #started: Promise<void> | undefined;
  #closing: Promise<void> | undefined;
  #hits = 0;
  #misses = 0;
  #created = 0;
  #destroyed = 0;
  #evicted = 0;
  #timeouts = 0;

  /** @throws TypeError naming the first invalid factory member or option. */
  constructor(factory: ObjectFactory<T>, options: ObjectPoolOptions = {}) {
    this.#o = fillObjectPoolOptions(factory, options);
    this.#factory = factory;
    this.name = this.#o.name;
    this.#log = this.#o.logger;
    this.#maxSize = this.#o.maxSize;
    const { idleTimeoutMs, autoscale, autoscaleIntervalMs } = this.#o;
    // unref(): a pool left open must not keep the process alive.
    if (idleTimeoutMs > 0) this.#timers.push(setInterval(() => this.evictIdle(), Math.max(1, Math.floor(idleTimeoutMs / 2))).unref());
    if (autoscale) this.#timers.push(setInterval(() => this.#autoscale(), autoscaleIntervalMs).unref());
  }

  /** Create `minSize` objects. Idempotent; rejects if one cannot be created (the others stay). */
  start(): Promise<void> {
    this.#started ??= this.#prefill();
    return this.#started;
  }

  /**
   * An object for exclusive use; give it back with `release()`. Waits (FIFO) when `maxSize` objects
   * are out. Rejects with `ERR_POOL_TIMEOUT`, `ERR_ABORTED`, `ERR_POOL_QUEUE_FULL` (too many
   * waiters), `ERR_POOL_CLOSED`, or the factory's error as a `DocflowError`.
   */
  acquire(signal?: AbortSignal): Promise<T> {
    if (this.#closing) return Promise.reject(poolClosedError(this.name));
    if (signal?.aborted) return Promise.reject(abortedError(this.name, signal.reason));
    const idle = this.#waiters.length === 0 ? this.#idle.pop() : undefined;
    if (idle) {
      this.#hits++;
      this.#inUse.add(idle.obj);
      return Promise.resolve(idle.obj);
    }
    if (this.#waiters.length >= this.#o.maxWaiters) return Promise.reject(tooManyWaitersError(this.name, this.#o.maxWaiters));
    const { acquireTimeoutMs } = this.#o;
    const waiting = this.#waiters.add(
      acquireTimeoutMs,
      signal,
      () => { this.#timeouts++; return acquireTimeoutError(this.name, acquireTimeoutMs); },
      () => abortedError(this.name, signal?.reason),
    );
    this.#pump();
    // Only a caller that no creation is under way for waits because of the cap: that is the load
    // signal autoscaling grows on.
    if (this.#waiters.length > this.#creating) this.#sawWaiters = true;
    return waiting;
  }

  /**
   * Give an object back. It is checked with `validate` and reused; it is destroyed instead if
   * invalid, if the pool is over its (reduced) `maxSize`, or if the pool is closed. Resolves when
   * that is done.
   */
  async release(obj: T): Promise<void> {
    if (!this.#inUse.delete(obj)) {
      throw new DocflowError('ERR_INTERNAL', `pool "${this.name}": release() of an object that is not in use (released twice, or from another pool?)`);
    }
    let valid = true;
    if (this.#factory.validate && !this.#closing) {
      this.#returning++;
      try {
        valid = (await this.#factory.validate(obj)) === true;
      } catch (err) {
        this.#log.warn({ pool: this.name, err }, 'validate threw; destroying the object');
        valid = false;
      } finally {
        this.#returning--;
      }
    }
    if (valid) {
      await this.#offer(obj, false);
      return;
    }
    const destroyed = this.#destroy(obj);
    this.#pump();
    await destroyed;
  }

  /** Acquire an object, run `fn` with it, and release it even if `fn` throws. */
  async use<R>(fn: (obj: T) => R | Promise<R>, signal?: AbortSignal): Promise<R> {
    const obj = await this.acquire(signal);
    try {
      return await fn(obj);
    } finally {
      await this.release(obj);
    }
  }

  /**
   * Change `maxSize` at run time. Shrinking destroys idle objects over the new size at once and
   * in-use ones as they come back; growing serves waiters at once.
   * @throws TypeError unless `maxSize` is a positive integer ≥ `minSize`.
   */
  resize(maxSize: number): void {
    assertPositiveInteger('maxSize', maxSize);
    if (maxSize < this.#o.minSize) throw new TypeError(`maxSize must be at least minSize (${this.#o.minSize})`);
    if (this.#closing) throw poolClosedError(this.name);
    this.#maxSize = maxSize;
    while (this.#size() > maxSize && this.#idle.length > 0) void this.#destroy((this.#idle.shift() as Idle<T>).obj);
    this.#pump();
  }

  /**
   * Destroy objects idle for `idleTimeoutMs` or longer, longest idle first, down to `minSize`.
   * The timer calls this; it is public so a caller with its own clock can drive it.
   * @returns how many were evicted.
   */
  evictIdle(): number {
    const now = this.#o.now();
    let n = 0;
    for (let head = this.#idle[0]; head && this.#size() > this.#o.minSize && now - head.since >= this.#o.idleTimeoutMs; head = this.#idle[0]) {
      this.#idle.shift();
      this.#evicted++;
      n++;
      void this.#destroy(head.obj);
    }
    return n;
  }

  /** A snapshot of counters and gauges. */
  stats(): ObjectPoolStats {
    return {
      name: this.name, maxSize: this.#maxSize, minSize: this.#o.minSize, size: this.#size(), idle: this.#idle.length,
      inUse: this.#inUse.size, waiting: this.#waiters.length, hits: this.#hits, misses: this.#misses, created: this.#created,
      destroyed: this.#destroyed, evicted: this.#evicted, timeouts: this.#timeouts,
    };
  }

  /**
   * Stop: reject waiters with `ERR_POOL_CLOSED`, destroy idle objects and those being created;
   * objects in use are destroyed when released. Idempotent.
   */
  close(): Promise<void> {
    this.#closing ??= this.#close();
    return this.#closing;
  }

  [Symbol.asyncDispose](): Promise<void> {
    return this.close();
  }

  async #close(): Promise<void> {
    for (const t of this.#timers.splice(0)) clearInterval(t);
    this.#waiters.rejectAll(poolClosedError(this.name));
    for (const { obj } of this.#idle.splice(0)) void this.#destroy(obj);
    // A creation finishing now destroys its object, which adds to #inflight: wait until it is empty.
    while (this.#inflight.size > 0) await Promise.allSettled([...this.#inflight]);
  }

  async #prefill(): Promise<void> {
    const missing = Math.max(0, this.#o.minSize - this.#size());
    const results = await Promise.allSettled(Array.from({ length: missing }, () => this.#create()));
    const failed = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
    if (failed) throw toDocflowError(failed.reason);
  }

  #size(): number {
    return this.#idle.length + this.#inUse.size + this.#creating + this.#returning;
  }

  /** Serve waiters: with idle objects first, then by creating objects while under `maxSize`. */
  #pump(): void {
    if (this.#closing) return;
    while (this.#waiters.length > 0 && this.#idle.length > 0) void this.#offer((this.#idle.pop() as Idle<T>).obj, false);
    while (this.#waiters.length > this.#creating && this.#size() < this.#maxSize) {
      // A failed creation fails the longest waiter (so a broken factory does not spin) and lets
      // the rest try again.
      this.#create().catch((err: unknown) => {
        this.#waiters.shift()?.reject(toDocflowError(err));
        this.#pump();
      });
    }
  }

  /** Create one object and offer it (to the longest waiter, else to the idle list). */
  #create(): Promise<void> {
    this.#creating++;
    const p = (async () => {
      let obj: T;
      try {
        obj = await this.#factory.create();
      } finally {
        this.#creating--;
      }
      this.#created++;
      void this.#offer(obj, true);
    })();
    this.#track(p.catch(() => undefined));
    return p;
  }

  /**
   * Place an object that is in no list: to the longest waiter, else idle; destroyed if the pool is
   * over size or closed (then resolves when it is).
   */
  async #offer(obj: T, fresh: boolean): Promise<void> {
    if (this.#closing || this.#size() >= this.#maxSize) {
      await this.#destroy(obj);
      return;
    }
    const waiter = this.#waiters.shift();
    if (!waiter) {
      this.#idle.push({ obj, since: this.#o.now() });
      return;
    }
    if (fresh) this.#misses++;
    else this.#hits++;
    this.#inUse.add(obj);
    waiter.resolve(obj);
  }

  #destroy(obj: T): Promise<void> {
    this.#destroyed++;
    const p = (async () => {
      try {
        await this.#factory.destroy?.(obj);
      } catch (err) {
        this.#log.warn({ pool: this.name, err }, 'destroying a pooled object failed');
      }
    })();
    this.#track(p);
    return p;
  }

  #track(p: Promise<void>): void {
    const t = p.finally(() => this.#inflight.delete(t));
    this.#inflight.add(t);
  }

  #autoscale(): void {
    const next = nextMaxSize({
      maxSize: this.#maxSize, minSize: this.#o.minSize, ceiling: this.#o.autoscaleMax, size: this.#size(),
      idle: this.#idle.length, waited: this.#sawWaiters || this.#waiters.length > this.#creating,
    });
    this.#sawWaiters = false;
    if (next === this.#maxSize || this.#closing) return;
    this.#log.debug({ pool: this.name, from: this.#maxSize, to: next }, 'autoscaling');
    this.resize(next);
  }
}
