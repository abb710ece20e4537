import { BehaviorSubject, distinctUntilChanged, Subject, type Observable } from 'rxjs';
import { toDocflowError } from '../errors/index.js';
import type { Logger } from '../log.js';
import { nextLevel } from './level.js';
import { fillMemoryMonitorOptions, type FilledMemoryMonitorOptions, type MemoryMonitorOptions } from './options.js';
import { slope } from './slope.js';
import type { HeaviestSource, MemoryAlert, MemoryLevel, MemorySample, MemorySnapshot, MemorySource } from './types.js';

/**
 * Watches this process's memory: samples RSS, heap, system free memory and every registered source
 * at an interval, keeps a bounded history with the RSS trend, and classifies the level with
 * hysteresis. It acts on nothing itself: actors subscribe to `alerts$` / `level$` (see
 * `memoryPolicy`) and use `heaviest()` to pick whom to shrink or restart.
 */
export class MemoryMonitor {
  readonly #o: FilledMemoryMonitorOptions;
  readonly #log: Logger;
  readonly #sources = new Map<string, MemorySource>();
  readonly #history: MemorySample[] = [];
  readonly #alerts = new Subject<MemoryAlert>();
  readonly #level = new BehaviorSubject<MemoryLevel>('normal');
  #slope = 0;
  #stopTimer: (() => void) | undefined;
  #closed: Promise<void> | undefined;

  /** One alert on every change of level. Completes on `close()`. */
  readonly alerts$: Observable<MemoryAlert> = this.#alerts.asObservable();
  /** The current level, replayed to each new subscriber, then each change. Completes on `close()`. */
  readonly level$: Observable<MemoryLevel> = this.#level.pipe(distinctUntilChanged());

  constructor(options: MemoryMonitorOptions = {}) {
    this.#o = fillMemoryMonitorOptions(options);
    this.#log = this.#o.logger.child({ component: 'memory' });
  }

  /** The level as of the latest sample. */
  get level(): MemoryLevel { return this.#level.value; }

  /**
   * Report the bytes a part of the process holds (a worker pool: its threads' heaps; a stage: its
   * in-flight input), read at each sample. A source that throws or returns `undefined`, a negative
   * or non-finite number is left out of that sample.
   * @returns a function that removes the source.
   * @throws TypeError for an empty name, a name in use, or a non-function.
   */
  addSource(name: string, source: MemorySource): () => void {
    if (typeof name !== 'string' || name.length === 0) throw new TypeError('name must be a non-empty string');
    if (typeof source !== 'function') throw new TypeError('source must be a function');
    if (this.#sources.has(name)) throw new TypeError(`name must be unique ("${name}" is already a source)`);
    this.#sources.set(name, source);
    return () => {
      if (this.#sources.get(name) === source) this.#sources.delete(name);
    };
  }

  /** Sample now, then every `intervalMs` until `close()`. Idempotent. */
  start(): void {
    if (this.#stopTimer || this.#closed) return;
    this.#tick();
    this.#stopTimer = this.#o.timer(() => this.#tick(), this.#o.intervalMs);
  }

  /**
   * Take one sample now: record it, update trend and level, alert on a change. After `close()` it
   * only returns the latest snapshot.
   */
  sample(): MemorySnapshot {
    if (this.#closed) return this.snapshot();
    const s = this.#read();
    this.#history.push(s);
    // Bounded: the oldest sample goes once the history is full (at most historySize entries).
    if (this.#history.length > this.#o.historySize) this.#history.shift();
    this.#slope = slope(this.#history.map((h) => ({ t: h.at / 1000, v: h.rssBytes })));
    const previous = this.#level.value;
    const level = nextLevel(previous, s.rssBytes, s.systemFreeBytes, this.#o);
    if (level !== previous) this.#changeLevel(level, previous, s);
    // While critical, every sample alerts again: if a restart did not bring memory down, the policy
    // acts again once its cooldown has passed, instead of never.
    else if (level === 'critical') this.#alerts.next(this.#alert(level, previous, s));
    return this.snapshot();
  }

  /** The latest sample's figures (a sample is taken first if there is none yet). */
  snapshot(): MemorySnapshot {
    const s = this.#history.at(-1);
    if (s === undefined) return this.#closed ? this.#toSnapshot(this.#read()) : this.sample();
    return this.#toSnapshot(s);
  }

  /** The history, oldest first (at most `historySize` samples). */
  history(): readonly MemorySample[] {
    return [...this.#history];
  }

  /** The source with the most bytes in the latest sample; `undefined` when none holds any. */
  heaviest(): HeaviestSource | undefined {
    const s = this.#history.at(-1);
    return s ? heaviestOf(s.sources) : undefined;
  }

  /** Stop sampling and complete `alerts$` and `level$`. Idempotent. */
  close(): Promise<void> {
    if (!this.#closed) {
      this.#closed = Promise.resolve();
      this.#stopTimer?.();
      this.#stopTimer = undefined;
      this.#alerts.complete();
      this.#level.complete();
    }
    return this.#closed;
  }

  [Symbol.asyncDispose](): Promise<void> {
    return this.close();
  }

  #tick(): void {
    try {
      this.sample();
    } catch (err) {
      // One bad sample (a sampler that threw) must not stop the monitor.
      this.#log.warn({ err: toDocflowError(err).toInfo() }, 'memory sample failed');
    }
  }

  #toSnapshot(s: MemorySample): MemorySnapshot {
    return {
      level: this.#level.value, rssBytes: s.rssBytes, heapUsedBytes: s.heapUsedBytes, heapTotalBytes: s.heapTotalBytes,
      systemFreeBytes: s.systemFreeBytes, systemTotalBytes: s.systemTotalBytes, limitBytes: this.#o.limitBytes,
      slopeBytesPerSec: this.#slope, sources: { ...s.sources }, samples: this.#history.length, at: s.at,
    };
  }

  #read(): MemorySample {
    const p = this.#o.sampleProcess();
    const sys = this.#o.sampleSystem();
    const sources: Record<string, number> = {};
    for (const [name, source] of this.#sources) {
      try {
        const bytes = source();
        if (typeof bytes === 'number' && Number.isFinite(bytes) && bytes >= 0) sources[name] = bytes;
      } catch (err) {
        this.#log.debug({ source: name, err: toDocflowError(err).toInfo() }, 'memory source failed');
      }
    }
    return {
      at: this.#o.now(), rssBytes: p.rssBytes, heapUsedBytes: p.heapUsedBytes, heapTotalBytes: p.heapTotalBytes,
      systemFreeBytes: sys.freeBytes, systemTotalBytes: sys.totalBytes, sources,
    };
  }

  #alert(level: MemoryLevel, previous: MemoryLevel, s: MemorySample): MemoryAlert {
    return {
      type: 'level', level, previous, rssBytes: s.rssBytes, limitBytes: this.#o.limitBytes, systemFreeBytes: s.systemFreeBytes,
      slopeBytesPerSec: this.#slope, heaviest: heaviestOf(s.sources), at: s.at,
    };
  }

  #changeLevel(level: MemoryLevel, previous: MemoryLevel, s: MemorySample): void {
    const alert = this.#alert(level, previous, s);
    const log = level === 'normal' ? this.#log.info.bind(this.#log) : this.#log.warn.bind(this.#log);
    log({ ...alert }, `memory level ${previous} → ${level}`);
    this.#level.next(level);
    this.#alerts.next(alert);
  }
}

/** The entry with the most bytes (on a tie, the first in `sources`); `undefined` if none is above 0. */
export function heaviestOf(sources: Readonly<Record<string, number>>): HeaviestSource | undefined {
  let best: HeaviestSource | undefined;
  for (const [name, bytes] of Object.entries(sources)) if (bytes > (best?.bytes ?? 0)) best = { name, bytes };
  return best;
}
