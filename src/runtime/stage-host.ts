import type { Subscription } from 'rxjs';
import type { Config } from '../config/load.js';
import { poolSettings, stageSettings } from '../config/load.js';
import { DocflowError } from '../errors/index.js';
import type { Logger } from '../log.js';
import { MemoryMonitor, memoryPolicy, type MemoryPolicy } from '../memory/index.js';
import type { MessageKind } from '../messages/index.js';
import type { StageFigures } from '../metrics/metrics.js';
import { Supervisor } from '../supervisor/index.js';
import { WorkerPool } from '../pool/index.js';
import type { Transport } from '../transport/index.js';
import { StageRunner } from './stage/runner.js';
import type { StageDefinition, StageSettings } from './stage/types.js';

type AnyRunner = StageRunner<MessageKind, MessageKind>;

/** A stage's batch processor, as tuning sees it. */
export interface Batching {
  readonly settings: { batchSize: number; batchWaitMs: number };
  tune(patch: { batchSize?: number; batchWaitMs?: number }): unknown;
  stats?(): Record<string, unknown>;
}

/**
 * The stages of one process under supervision: a one-for-one supervisor over the stage runners, the
 * memory monitor with its policy (shrink the heaviest stage's credit at `high`, restart it at
 * `critical`), and the figures that status, tuning and metrics read.
 */
export class StageHost implements AsyncDisposable {
  readonly supervisor: Supervisor;
  readonly memory: MemoryMonitor;
  readonly #runners = new Map<string, AnyRunner>();
  readonly #shrunk = new Map<string, number>();
  readonly #pools = new Map<string, WorkerPool>();
  readonly #batching = new Map<string, Batching>();
  readonly #highHooks: Array<() => void> = [];
  #policy: MemoryPolicy | undefined;
  #events: Subscription | undefined;
  #closing: Promise<void> | undefined;

  constructor(private readonly config: Readonly<Config>, private readonly transport: Transport, private readonly log: Logger) {
    const s = config.supervisor;
    this.supervisor = new Supervisor({
      restart: { minDelayMs: s.minDelayMs, maxDelayMs: s.maxDelayMs, jitter: s.jitter },
      intensity: { maxRestarts: s.maxRestarts, periodMs: s.periodMs },
      logger: log.child({ component: 'supervisor' }),
    });
    const m = config.memory;
    this.memory = new MemoryMonitor({
      intervalMs: m.intervalMs, historySize: m.historySize, limitBytes: m.limitBytes, highRatio: m.highRatio,
      minSystemFreeBytes: m.minSystemFreeBytes, logger: log,
    });
  }

  /** Add a stage (started with the host, or at once if the host runs). */
  async add<In extends MessageKind, Out extends MessageKind>(def: StageDefinition<In, Out>, patch: Partial<StageSettings> = {}): Promise<StageRunner<In, Out>> {
    if (this.#runners.has(def.name)) throw new DocflowError('ERR_INTERNAL', `stage ${def.name} added twice`);
    const runner = new StageRunner(def, this.transport, { ...stageSettings(this.config, def.name), ...patch }, this.log);
    this.#runners.set(def.name, runner as unknown as AnyRunner);
    this.memory.addSource(def.name, () => runner.memoryBytes());
    await this.supervisor.add(runner);
    return runner;
  }

  /**
   * Register a stage's worker pool: its threads' heaps count in the memory monitor, its figures in
   * status and metrics. The pool is closed with the host.
   */
  addPool(pool: WorkerPool): void {
    const name = pool.stats().name;
    this.#pools.set(name, pool);
    this.memory.addSource(`pool:${name}`, () => pool.stats().workerHeapBytes.reduce((a, b) => a + b, 0));
  }

  /** Create the worker pool of a CPU stage from `poolDefaults` and `pools.<name>`, and register it. */
  createPool(name: string, filename: string | URL): WorkerPool {
    const p = poolSettings(this.config, name);
    const limits = heapLimits(p);
    const pool = new WorkerPool({
      filename, name, threads: p.threads, taskTimeoutMs: p.taskTimeoutMs, recycleAfterTasks: p.recycleAfterTasks,
      recycleOnHeapGrowthMb: p.recycleOnHeapGrowthMb, closeGraceMs: p.closeGraceMs, logger: this.log,
      ...(p.maxQueue > 0 ? { maxQueue: p.maxQueue } : {}),
      ...(limits === undefined ? {} : { resourceLimits: limits }),
    });
    this.addPool(pool);
    return pool;
  }

  /** Figures of the registered worker pools. */
  pools(): Array<ReturnType<WorkerPool['stats']>> {
    return [...this.#pools.values()].map((p) => p.stats());
  }

  /** Start the monitor, its policy and every stage. */
  async start(): Promise<void> {
    this.memory.start();
    const m = this.config.memory;
    this.#policy = memoryPolicy(this.memory, {
      criticalCooldownMs: m.criticalCooldownMs,
      logger: this.log,
      onHigh: (heaviest) => {
        for (const hook of this.#highHooks) hook();
        const stage = this.#stageOf(heaviest);
        if (stage) this.#shrink(stage, m.highCreditFactor);
      },
      onNormal: () => this.#restoreCredits(),
      onCritical: async (heaviest) => {
        const stage = this.#stageOf(heaviest);
        if (stage) await this.supervisor.restart(stage, 'memory');
      },
    });
    this.#events = this.supervisor.events$.subscribe((e) => this.log.warn({ event: e.type, stage: e.child }, `stage ${e.child} ${e.type}`));
    await this.supervisor.start();
  }

  /**
   * The stage a memory source belongs to: a stage's own source (its input in flight) or its worker
   * pool's (`pool:<stage>`, the threads' heaps, usually by far the heavier of the two).
   */
  #stageOf(source: { name: string } | undefined): string | undefined {
    const name = source?.name.startsWith('pool:') ? source.name.slice('pool:'.length) : source?.name;
    return name !== undefined && this.#runners.has(name) ? name : undefined;
  }

  names(): string[] {
    return [...this.#runners.keys()];
  }

  runner(name: string): AnyRunner | undefined {
    return this.#runners.get(name);
  }

  /** Be told each message's stage, outcome and duration (for the latency histogram). */
  observe(fn: (stage: string, outcome: 'ok' | 'retry' | 'failed', seconds: number) => void): void {
    for (const [name, r] of this.#runners) r.observe((outcome, seconds) => fn(name, outcome, seconds));
  }

  /** Be called when memory reaches `high` (e.g. to trim caches), before the heaviest stage's credit shrinks. */
  onMemoryHigh(hook: () => void): void {
    this.#highHooks.push(hook);
  }

  /** Settings and counters of the stages that batch. */
  batchingFigures(): Array<{ stage: string; batchSize: number; batchWaitMs: number } & Record<string, unknown>> {
    return [...this.#batching].map(([stage, b]) => ({ stage, ...b.settings, ...(b.stats ? b.stats() : {}) }));
  }

  /** Register the batch processor of a stage, so that its batch size and wait can be tuned and shown. */
  addBatching(stage: string, batching: Batching): void {
    this.#batching.set(stage, batching);
  }

  /** Apply settings to a running stage; returns what is now in force. */
  tune(name: string, patch: Partial<StageSettings> & { threads?: number; batchSize?: number; batchWaitMs?: number }): StageSettings & { threads?: number; batchSize?: number; batchWaitMs?: number } {
    const r = this.#runners.get(name);
    if (!r) throw new DocflowError('ERR_STAGE_UNKNOWN', `no stage "${name}" runs here`);
    const { threads, batchSize, batchWaitMs, ...settings } = patch;
    const batching = this.#batching.get(name);
    if (batchSize !== undefined || batchWaitMs !== undefined) {
      if (!batching) throw new DocflowError('ERR_TUNE_INVALID', `stage ${name} does not batch: batchSize and batchWaitMs cannot be tuned`);
      batching.tune({ ...(batchSize !== undefined ? { batchSize } : {}), ...(batchWaitMs !== undefined ? { batchWaitMs } : {}) });
    }
    const pool = this.#pools.get(name);
    if (threads !== undefined) {
      if (!pool) throw new DocflowError('ERR_TUNE_INVALID', `stage ${name} has no worker pool: threads cannot be tuned`);
      pool.resize(threads);
    }
    if (settings.concurrency !== undefined) this.#shrunk.delete(name); // an operator's choice wins over the memory policy
    const b = batching?.settings;
    return { ...r.tune(settings), ...(pool ? { threads: pool.stats().threads } : {}), ...(b ? { batchSize: b.batchSize, batchWaitMs: b.batchWaitMs } : {}) };
  }

  /** Per stage: supervision state and restarts, runner counters, and the consumer backlog. */
  async figures(): Promise<Array<StageFigures & { rate: number }>> {
    const status = new Map(this.supervisor.status().map((c) => [c.name, c]));
    const out = [];
    for (const [name, r] of this.#runners) {
      const st = r.stats();
      const sup = status.get(name);
      const pending = await this.#pending(r);
      out.push({ name, state: sup?.state ?? st.state, restarts: sup?.restarts ?? 0, inFlight: st.inFlight, pending, processed: st.processed, failed: st.failed, retried: st.retried, rate: st.rate });
    }
    return out;
  }

  async #pending(r: AnyRunner): Promise<number> {
    const c = r.def.consumer;
    const keys = typeof c === 'string' ? [c] : Object.values(c);
    let n = 0;
    for (const k of keys) n += (await this.transport.consumerFigures(k).catch(() => ({ pending: 0 }))).pending;
    return n;
  }

  #shrink(name: string, factor: number): void {
    const r = this.#runners.get(name);
    if (!r || this.#shrunk.has(name)) return;
    const before = r.settings.concurrency;
    this.#shrunk.set(name, before);
    r.tune({ concurrency: Math.max(1, Math.floor(before * factor)) });
    this.log.warn({ stage: name, from: before, to: r.settings.concurrency }, 'memory high: shrinking the heaviest stage\'s credit');
  }

  #restoreCredits(): void {
    for (const [name, concurrency] of this.#shrunk) this.#runners.get(name)?.tune({ concurrency });
    this.#shrunk.clear();
  }

  /** Stop the stages in reverse start order, then the monitor. Idempotent. */
  close(): Promise<void> {
    this.#closing ??= (async () => {
      this.#policy?.close();
      this.#events?.unsubscribe();
      await this.supervisor.close();
      for (const p of this.#pools.values()) await p.close().catch((err: unknown) => this.log.warn({ err }, 'closing a pool failed'));
      await this.memory.close();
    })();
    return this.#closing;
  }

  [Symbol.asyncDispose](): Promise<void> {
    return this.close();
  }
}

/** A pool's heap limits as Worker `resourceLimits`, or undefined when both are Node's defaults. */
export function heapLimits(p: { maxOldGenerationSizeMb: number; maxYoungGenerationSizeMb: number }): { maxOldGenerationSizeMb?: number; maxYoungGenerationSizeMb?: number } | undefined {
  if (p.maxOldGenerationSizeMb === 0 && p.maxYoungGenerationSizeMb === 0) return undefined;
  return {
    ...(p.maxOldGenerationSizeMb > 0 ? { maxOldGenerationSizeMb: p.maxOldGenerationSizeMb } : {}),
    ...(p.maxYoungGenerationSizeMb > 0 ? { maxYoungGenerationSizeMb: p.maxYoungGenerationSizeMb } : {}),
  };
}
