import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

/** A stage's figures as the runtime reports them. */
export interface StageFigures {
  name: string;
  state: string;
  inFlight: number;
  pending: number;
  processed: number;
  failed: number;
  retried: number;
  restarts: number;
}

/** Where the metrics read their numbers at scrape time. */
export interface MetricSources {
  stages(): StageFigures[] | Promise<StageFigures[]>;
  memory(): { level: string; rssBytes: number; heapUsedBytes: number; slopeBytesPerSec: number };
  pools?(): Array<{ name: string; threads: number; queued: number; running: number; completed: number; failed: number }>;
  /** Per cache level: hits, misses and the level's other counters. */
  cache?(): Record<string, { hits: number; misses: number } & Record<string, unknown>>;
}

const LEVELS = ['normal', 'high', 'critical', 'unmonitored'];

/**
 * docflow's Prometheus metrics. Gauges are read from `sources` at scrape time; counters advance by
 * the difference since the last scrape, so they stay monotonic whatever the sources do.
 * Names are documented in the README ("Metrics").
 */
export class DocflowMetrics {
  readonly registry = new Registry();
  readonly #latency: Histogram<'stage' | 'outcome'>;
  readonly #last = new Map<string, number>();

  constructor(private readonly sources: MetricSources, opts: { defaultMetrics?: boolean } = {}) {
    const r = this.registry;
    if (opts.defaultMetrics ?? true) collectDefaultMetrics({ register: r, prefix: 'docflow_process_' });
    this.#latency = new Histogram({
      name: 'docflow_stage_duration_seconds', help: 'Time from pull to ack of one message, by stage and outcome',
      labelNames: ['stage', 'outcome'], buckets: [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30], registers: [r],
    });
    // Every stage metric reads one snapshot per scrape (the registry collects metrics one by one).
    let snapshot: { at: number; stages: Promise<StageFigures[]> } | undefined;
    const read = (): Promise<StageFigures[]> => {
      if (!snapshot || Date.now() - snapshot.at > 250) snapshot = { at: Date.now(), stages: Promise.resolve(sources.stages()) };
      return snapshot.stages;
    };
    const gauge = (name: string, help: string, pick: (s: StageFigures) => number) =>
      new Gauge({ name, help, labelNames: ['stage'], registers: [r], async collect() { for (const s of await read()) this.set({ stage: s.name }, pick(s)); } });
    gauge('docflow_stage_in_flight', 'Messages a stage holds now', (s) => s.inFlight);
    gauge('docflow_stage_backlog', 'Messages waiting in JetStream for a stage', (s) => s.pending);
    gauge('docflow_stage_running', '1 when the stage is running', (s) => (s.state === 'running' ? 1 : 0));
    const counter = (key: 'processed' | 'failed' | 'retried' | 'restarts', name: string, help: string) => {
      const advance = (c: Counter<'stage'>, s: StageFigures): void => {
        const id = `${key}:${s.name}`;
        const last = this.#last.get(id) ?? 0;
        if (s[key] > last) c.inc({ stage: s.name }, s[key] - last);
        this.#last.set(id, Math.max(last, s[key]));
      };
      new Counter({ name, help, labelNames: ['stage'], registers: [r], async collect() { for (const s of await read()) advance(this, s); } });
    };
    counter('processed', 'docflow_stage_processed_total', 'Messages a stage completed');
    counter('failed', 'docflow_stage_failed_total', 'Messages a stage dead-lettered');
    counter('retried', 'docflow_stage_retried_total', 'Messages a stage nak\'ed for redelivery');
    counter('restarts', 'docflow_stage_restarts_total', 'Restarts of a stage by its supervisor');
    this.#memoryMetrics();
    this.#poolMetrics();
    this.#cacheMetrics();
  }

  /** Record one message's time through a stage. */
  observe(stage: string, outcome: 'ok' | 'retry' | 'failed', seconds: number): void {
    this.#latency.observe({ stage, outcome }, seconds);
  }

  /** The exposition text (what /metrics serves). */
  text(): Promise<string> {
    return this.registry.metrics();
  }

  #memoryMetrics(): void {
    const { sources, registry: r } = this;
    new Gauge({ name: 'docflow_memory_rss_bytes', help: 'Resident set size of this process', registers: [r], collect() { this.set(sources.memory().rssBytes); } });
    new Gauge({ name: 'docflow_memory_heap_used_bytes', help: 'V8 heap in use', registers: [r], collect() { this.set(sources.memory().heapUsedBytes); } });
    new Gauge({ name: 'docflow_memory_trend_bytes_per_second', help: 'Slope of RSS over the monitor history', registers: [r], collect() { this.set(sources.memory().slopeBytesPerSec); } });
    new Gauge({
      name: 'docflow_memory_level', help: '1 for the current memory level', labelNames: ['level'], registers: [r],
      collect() {
        const level = sources.memory().level;
        for (const l of LEVELS) this.set({ level: l }, l === level ? 1 : 0);
      },
    });
  }

  #cacheMetrics(): void {
    const { sources, registry: r } = this;
    if (!sources.cache) return;
    const read = () => Object.entries(sources.cache?.() ?? {});
    const gauge = (name: string, help: string, key: string) =>
      new Gauge({ name, help, labelNames: ['level'], registers: [r], collect() { for (const [level, st] of read()) if (typeof st[key] === 'number') this.set({ level }, st[key] as number); } });
    gauge('docflow_cache_hits', 'Cache hits since start, per level', 'hits');
    gauge('docflow_cache_misses', 'Cache misses since start, per level', 'misses');
    gauge('docflow_cache_sets', 'Cache writes since start, per level', 'sets');
    gauge('docflow_cache_evictions', 'Entries evicted from the in-process LRU', 'evictions');
    gauge('docflow_cache_bytes', 'Bytes held by the in-process LRU', 'bytes');
    gauge('docflow_cache_errors', 'Failed calls to a shared cache level', 'errors');
    new Gauge({ name: 'docflow_cache_degraded', help: '1 while a shared cache level is unreachable', labelNames: ['level'], registers: [r], collect() { for (const [level, st] of read()) this.set({ level }, st['degraded'] === true ? 1 : 0); } });
  }

  #poolMetrics(): void {
    const { sources, registry: r } = this;
    if (!sources.pools) return;
    const read = () => sources.pools?.() ?? [];
    const gauge = (name: string, help: string, pick: (p: ReturnType<typeof read>[number]) => number) =>
      new Gauge({ name, help, labelNames: ['pool'], registers: [r], collect() { for (const p of read()) this.set({ pool: p.name }, pick(p)); } });
    gauge('docflow_pool_threads', 'Worker threads of a pool', (p) => p.threads);
    gauge('docflow_pool_queued', 'Tasks waiting for a worker thread', (p) => p.queued);
    gauge('docflow_pool_running', 'Tasks running on worker threads', (p) => p.running);
    gauge('docflow_pool_completed', 'Tasks completed by a pool', (p) => p.completed);
    gauge('docflow_pool_failed', 'Tasks failed in a pool', (p) => p.failed);
  }
}
