/**
 * A shared level (L2 Redis, L3 PostgreSQL) behind a breaker: every operation is bounded by a
 * timeout, and the first failure marks the level degraded, logs once, and starts a background probe;
 * while degraded the level is skipped (reads miss, writes are dropped) until a probe succeeds, which
 * is logged once too. Nothing here throws to the cache's callers.
 */
import type { Logger } from '../log.js';
import type { CacheStore } from '../stores/cache/index.js';
import type { CacheLevelName } from './options.js';

/** What `attempt` returns when the operation failed, timed out or was skipped. */
export const FAILED: unique symbol = Symbol('cache level failed');
const SKIPPED: Promise<typeof FAILED> = Promise.resolve(FAILED);

/** A shared level's figures (counters since start). */
export interface RemoteLevelStats {
  /** Configured (L2: a URL is set; L3: enabled with a database). */
  enabled: boolean;
  /** Failing now: skipped until a background probe succeeds. */
  degraded: boolean;
  hits: number;
  misses: number;
  sets: number;
  /** Entries copied up from L3 into L2 on an L3 hit. */
  writeBacks: number;
  /** Failed operations (timeouts included). */
  errors: number;
  timeouts: number;
  /** Operations not tried because the level was degraded. */
  skipped: number;
  /** Stored values that did not decode (counted as misses too). */
  decodeErrors: number;
  /** Times the level came back after being degraded. */
  recoveries: number;
}

/** How to run one level. */
export interface RemoteLevelOptions {
  /** Bound on one operation, ms. */
  timeoutMs: number;
  /** Time between probes while degraded, ms. */
  probeIntervalMs: number;
  /** For log lines: 'Redis', 'PostgreSQL'. */
  label: string;
  logger: Logger;
}

type Counter = Exclude<keyof RemoteLevelStats, 'enabled' | 'degraded'>;

/** A store with a timeout on every call and a breaker around it: see the file comment. */
export class RemoteLevel<S extends CacheStore = CacheStore> {
  readonly name: CacheLevelName;
  readonly store: S;
  readonly #o: RemoteLevelOptions;
  readonly #counts: Record<Counter, number> = { hits: 0, misses: 0, sets: 0, writeBacks: 0, errors: 0, timeouts: 0, skipped: 0, decodeErrors: 0, recoveries: 0 };
  #degraded = false;
  #closed = false;
  #probe: NodeJS.Timeout | undefined;

  constructor(name: CacheLevelName, store: S, opts: RemoteLevelOptions) {
    this.name = name;
    this.store = store;
    this.#o = opts;
  }

  /** Neither degraded nor closed: worth trying. */
  get usable(): boolean {
    return !this.#degraded && !this.#closed;
  }

  get degraded(): boolean {
    return this.#degraded;
  }

  count(counter: Counter, n = 1): void {
    this.#counts[counter] += n;
  }

  /**
   * Run `op` on the store within `timeoutMs` (the level's own timeout by default). Returns
   * {@link FAILED} instead of throwing, after counting, and degrading the level on its first failure.
   * A degraded level is not tried (counted as skipped).
   */
  attempt<T>(what: string, op: (store: S) => Promise<T>, timeoutMs = this.#o.timeoutMs): Promise<T | typeof FAILED> {
    if (!this.usable) {
      this.#counts.skipped++;
      return SKIPPED;
    }
    // One promise and one timer per operation (this is on every L2 read and write). A call abandoned
    // at its deadline still settles later; `settled` makes that late answer a no-op.
    return new Promise<T | typeof FAILED>((resolve) => {
      let settled = false;
      const timer = setTimeout(() => {
        // Timers run before the event loop polls for I/O. When the loop itself was late (a busy
        // process: the pipeline's main thread under load), the answer may be waiting in the socket:
        // give the poll phase one turn to deliver it before blaming the store.
        setImmediate(() => {
          if (settled) return;
          settled = true;
          this.#fail(what, new Error(`no answer within ${timeoutMs} ms`), true);
          resolve(FAILED);
        });
      }, timeoutMs);
      const fail = (err: unknown) => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        this.#fail(what, err, false);
        resolve(FAILED);
      };
      let pending: Promise<T>;
      try {
        pending = op(this.store);
      } catch (err) {
        fail(err);
        return;
      }
      pending.then((value) => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        resolve(value);
      }, fail);
    });
  }

  /** Take the level out of service as if an operation had failed (e.g. it was not reachable at start). */
  markDown(what: string, err: unknown): void {
    this.#fail(what, err, false);
  }

  stats(): RemoteLevelStats {
    return { enabled: true, degraded: this.#degraded, ...this.#counts };
  }

  /** Stop probing and refuse every later operation. The store itself is closed by its owner. */
  close(): void {
    this.#closed = true;
    clearTimeout(this.#probe);
    this.#probe = undefined;
  }

  #fail(what: string, err: unknown, timedOut: boolean): void {
    this.#counts.errors++;
    if (timedOut) this.#counts.timeouts++;
    if (this.#degraded || this.#closed) return;
    this.#degraded = true;
    const { label, probeIntervalMs } = this.#o;
    this.#o.logger.warn(
      { cacheLevel: this.name, target: this.store.target, op: what, err: err instanceof Error ? err.message : String(err) },
      `cache ${this.name} (${label}) is unavailable; going on without it and checking again every ${probeIntervalMs} ms`,
    );
    this.#scheduleProbe();
  }

  #scheduleProbe(): void {
    if (this.#closed) return;
    this.#probe = setTimeout(() => void this.#runProbe(), this.#o.probeIntervalMs);
    this.#probe.unref();
  }

  async #runProbe(): Promise<void> {
    let timer: NodeJS.Timeout | undefined;
    const deadline = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error('probe timed out')), this.#o.timeoutMs);
    });
    try {
      await Promise.race([this.store.ping(), deadline]);
    } catch {
      this.#scheduleProbe();
      return;
    } finally {
      clearTimeout(timer);
    }
    if (this.#closed) return;
    this.#degraded = false;
    this.#counts.recoveries++;
    this.#o.logger.info({ cacheLevel: this.name, target: this.store.target }, `cache ${this.name} (${this.#o.label}) is back`);
  }
}
