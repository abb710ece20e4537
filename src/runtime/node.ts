import { randomBytes } from 'node:crypto';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { dirname, resolve } from 'node:path';
import { createDeploymentStatusActor, createStatusActor, deploymentStatuses } from '../../actors/status/status.actor.js';
import { createDeploymentTuneActor, createTuneActor } from '../../actors/control/tune.actor.js';
import { DocflowMetrics } from '../metrics/metrics.js';
import { serveMetrics } from '../metrics/server.js';
import { DashboardFeed } from '../dashboard/feed.js';
import { StageHost } from './stage-host.js';
import type { StageDefinition } from './stage/types.js';
import { actorEndpoint } from '../actor/serve.js';
import { PACKAGE_ROOT, streamName, type Config } from '../config/load.js';
import { startNatsServer, type RunningNatsServer } from '../embedded/nats-server.js';
import type { Logger } from '../log.js';
import { DeadLetter, StatusReply, StatusRequest, TuneReply, TuneRequest, type MessageKind, type NodeIdentityMessage, type StatusReplyMessage } from '../messages/index.js';
import { Transport } from '../transport/index.js';
import { natsDataDir, runFile } from './endpoints.js';
import { VERSION } from './version.js';
import { addPipeline } from '../pipeline/build.js';
import { openStores, type PipelineStores } from '../pipeline/services.js';
import { ALL_STAGES, type PipelineStageName } from '../pipeline/stages.js';

/** What a node runs besides the runtime. */
export interface NodeOptions {
  /** Extra stage definitions (tests, custom stages). */
  stages?: StageDefinition<MessageKind, MessageKind>[];
  /** Pipeline stages to run here: all of them for `docflow up`, some for `docflow worker`. */
  pipeline?: readonly PipelineStageName[];
  /** Serve the query endpoints (search). */
  queries?: boolean;
  /** Start embedded PostgreSQL and Chroma when no URL is configured (false: a worker must be told). */
  embeddedStores?: boolean;
}

/**
 * One docflow process as `docflow up` runs it: the embedded services it needs (when no URL is
 * configured), the connection, the streams, and the actors. Resources are released in reverse order.
 */
export class DocflowNode implements AsyncDisposable {
  readonly #cleanup: Array<{ what: string; fn: () => Promise<void> | void }> = [];
  readonly #abort = new AbortController();
  #closing: Promise<void> | undefined;
  #transport: Transport | undefined;
  #nats: RunningNatsServer | undefined;
  #host: StageHost | undefined;
  #metricsUrl: string | undefined;

  #stores: PipelineStores | undefined;
  /** This process in a deployment's status and tune replies. */
  readonly identity: NodeIdentityMessage = { id: randomBytes(8).toString('hex'), host: hostname(), pid: process.pid };

  private constructor(readonly config: Readonly<Config>, readonly log: Logger, private readonly stages: StageDefinition<MessageKind, MessageKind>[], private readonly opts: NodeOptions) {}

  /** Start everything; on failure, what was started is stopped again before the error is thrown. */
  static async start(config: Readonly<Config>, log: Logger, opts: NodeOptions = {}): Promise<DocflowNode> {
    const node = new DocflowNode(config, log, opts.stages ?? [], opts);
    try {
      await node.#start();
    } catch (err) {
      await node.close();
      throw err;
    }
    return node;
  }

  get transport(): Transport {
    if (!this.#transport) throw new Error('node not started');
    return this.#transport;
  }

  /** The NATS server URL in use. */
  get natsUrl(): string {
    return this.#nats?.url ?? this.config.nats.servers[0] ?? '';
  }

  /** The supervised stages of this process. */
  get host(): StageHost {
    if (!this.#host) throw new Error('node not started');
    return this.#host;
  }

  /** Where /metrics is served, when enabled. */
  get metricsUrl(): string | undefined {
    return this.#metricsUrl;
  }

  /** The stores of the pipeline, when this process runs stages or queries that need them. */
  get stores(): PipelineStores | undefined {
    return this.#stores;
  }

  /** Monitoring URL of the embedded nats-server, if docflow started one. */
  get natsMonitorUrl(): string | undefined {
    return this.#nats?.monitorUrl;
  }

  async #start(): Promise<void> {
    const { config, log } = this;
    let servers = config.nats.servers;
    if (servers.length === 0) {
      const emb = config.nats.embedded;
      const nats = await startNatsServer({
        binary: emb.binary,
        configFile: resolve(PACKAGE_ROOT, emb.configFile),
        workDir: natsDataDir(config),
        host: emb.host,
        port: emb.port,
        monitorPort: emb.monitorPort,
        user: config.nats.user || undefined,
        password: config.nats.password || undefined,
        startTimeoutMs: emb.startTimeoutMs,
        maxProcs: emb.maxProcs,
      });
      this.#nats = nats;
      this.#defer('embedded nats-server', () => nats.stop());
      log.info({ url: nats.url, monitor: nats.monitorUrl, log: nats.logFile }, 'embedded nats-server started');
      servers = [nats.url];
    }
    const pipeline = this.opts.pipeline ?? [];
    // knowledge writes entities and relations to PostgreSQL, as load and index write documents and chunks
    const needStores = pipeline.includes('load') || pipeline.includes('index') || (pipeline.includes('knowledge') && config.knowledge.enabled) || (this.opts.queries ?? false);
    if (needStores) {
      const opened = await openStores(config, log, { embedded: this.opts.embeddedStores ?? true });
      this.#stores = opened;
      this.#defer('stores', () => opened.close());
    }
    if (this.#nats || this.#stores?.started) {
      // Other commands on this machine (ingest, search, worker) find the embedded services here.
      const file = runFile(config);
      mkdirSync(dirname(file), { recursive: true });
      writeFileSync(file, JSON.stringify({
        url: this.#nats?.url ?? servers[0], monitorUrl: this.#nats?.monitorUrl, pid: process.pid,
        postgresUrl: this.#stores?.postgresUrl, chromaUrl: this.#stores?.chromaUrl,
      }), { mode: 0o600 });
      this.#defer('run file', () => rmSync(file, { force: true }));
    }
    const transport = await Transport.connect(config, { servers, log: log.child({ component: 'transport' }) });
    this.#transport = transport;
    this.#defer('transport', () => transport.close());
    const topology = await transport.ensureTopology();
    log.info(topology, 'streams and consumers ready');

    const host = new StageHost(config, transport, log);
    this.#host = host;
    this.#defer('stages', () => host.close());
    for (const def of this.stages) await host.add(def);
    const built = await addPipeline(host, transport, config, this.#stores, pipeline, log, this.#abort.signal);
    const cache = this.#stores?.cache;
    if (cache) {
      host.onMemoryHigh(() => {
        const dropped = cache.trim(0.5);
        log.warn({ dropped }, 'memory high: trimmed half of the in-process cache');
      });
    }
    this.#defer('pipeline', () => built.close());
    await host.start();

    // what docflow.node.status answers: this process's figures (the streams are the deployment's: docflow.status adds them once)
    const status = createStatusActor({
      version: VERSION,
      node: this.identity,
      startedAt: Date.now(),
      stages: () => host.figures(),
      memory: () => {
        const m = host.memory.snapshot();
        return { level: m.level, rssBytes: m.rssBytes, heapUsedBytes: m.heapUsedBytes, slopeBytesPerSec: m.slopeBytesPerSec, limitBytes: m.limitBytes };
      },
      nats: () => transport.info(),
      extras: () => ({
        pools: host.pools().map((p) => ({ name: p.name, threads: p.threads, queued: p.queued, running: p.running, completed: p.completed, failed: p.failed, utilization: p.utilization })),
        batching: host.batchingFigures(),
        ...(this.#stores ? { postgres: this.#stores.db.stats(), cache: cacheFigures(this.#stores.cache.stats()) } : {}),
      }),
    });
    const tune = createTuneActor({ names: () => host.names(), tune: (stage, patch) => ({ ...host.tune(stage, patch) }) }, this.identity);
    // docflow.status and docflow.control.tune go to one process (a queue group); it asks every
    // process of the deployment on docflow.node.status / docflow.node.tune, where each process is a
    // queue group of its own, and answers for all of them.
    const deploymentStatus = createDeploymentStatusActor({ self: this.identity.id, own: status, gather: () => transport.requestAll(transport.subject('node.status'), StatusRequest, {}, StatusReply), streams: () => this.#streamFigures() });
    const deploymentTune = createDeploymentTuneActor({ own: tune, node: this.identity, gather: (req) => transport.requestAll(transport.subject('node.tune'), TuneRequest, req, TuneReply) });
    const endpoint = { log, signal: this.#abort.signal };
    await transport.serve({ name: 'docflow-control', version: VERSION, description: 'docflow status and control' }, [
      actorEndpoint(deploymentStatus, { subject: transport.subject('status'), request: StatusRequest, reply: StatusReply, ...endpoint }),
      actorEndpoint(deploymentTune, { subject: transport.subject('control.tune'), request: TuneRequest, reply: TuneReply, ...endpoint }),
      actorEndpoint(status, { name: 'node-status', subject: transport.subject('node.status'), queue: this.identity.id, request: StatusRequest, reply: StatusReply, ...endpoint }),
      actorEndpoint(tune, { name: 'node-tune', subject: transport.subject('node.tune'), queue: this.identity.id, request: TuneRequest, reply: TuneReply, ...endpoint }),
    ]);
    if (built.endpoints.length > 0) {
      await transport.serve({ name: 'docflow-query', version: VERSION, description: 'docflow queries' }, built.endpoints);
    }

    if (config.metrics.enabled) {
      const stores = this.#stores;
      const metrics = new DocflowMetrics({ stages: () => host.figures(), memory: () => host.memory.snapshot(), pools: () => host.pools(), ...(stores ? { cache: () => cacheFigures(stores.cache.stats()) } : {}) });
      host.observe((stage, outcome, seconds) => metrics.observe(stage, outcome, seconds));
      const dashboard = config.metrics.dashboard ? this.#dashboard(host, () => status.handle({}, { signal: this.#abort.signal, log, emit: () => undefined })) : undefined;
      const server = await serveMetrics(() => metrics.text(), config.metrics.host, config.metrics.port, dashboard ? { dashboard } : {});
      this.#metricsUrl = server.url;
      this.#defer('metrics server', () => server.close());
      log.info({ url: `${server.url}/metrics`, ...(dashboard ? { dashboard: `${server.url}/` } : {}) }, 'metrics served');
    }
  }

  /** The dashboard's feed: the stages of every process, this one's memory and pools, and the dead letters of every process. */
  #dashboard(host: StageHost, ownStatus: () => Promise<StatusReplyMessage> | StatusReplyMessage): DashboardFeed {
    const transport = this.transport;
    const feed = new DashboardFeed({
      version: VERSION,
      order: ALL_STAGES,
      // every process's stages: the page shows the deployment
      stages: async () => {
        const all = await deploymentStatuses({
          self: this.identity.id,
          own: ownStatus,
          gather: () => transport.requestAll(transport.subject('node.status'), StatusRequest, {}, StatusReply, { stallMs: 50, maxWaitMs: 500 }),
          log: this.log,
        });
        return all.map((s) => s.stages.map((st) => ({ ...st, retried: st.retried ?? 0 })));
      },
      memory: () => host.memory.snapshot(),
      memoryHistory: () => host.memory.history(),
      pools: () => host.pools().map((p) => ({ name: p.name, threads: p.threads, queued: p.queued, running: p.running, completed: p.completed, failed: p.failed })),
    });
    void (async () => {
      for await (const { message } of this.transport.subscribe(this.transport.subject('dlq.>'), DeadLetter, { signal: this.#abort.signal })) {
        if (message) feed.record(message);
      }
    })().catch((err: unknown) => this.log.warn({ err }, 'the dashboard stopped following dead letters'));
    return feed;
  }

  async #streamFigures(): Promise<Array<{ name: string; messages: number; bytes: number }>> {
    const out = [];
    for (const key of Object.keys(this.config.streams)) {
      const name = streamName(this.config, key);
      const info = await this.transport.jsm.streams.info(name).catch(() => undefined);
      out.push({ name, messages: info?.state.messages ?? 0, bytes: info?.state.bytes ?? 0 });
    }
    return out;
  }

  #defer(what: string, fn: () => Promise<void> | void): void {
    this.#cleanup.push({ what, fn });
  }

  /** Stop in reverse start order; each step logs its failure and the rest still run. Idempotent. */
  close(): Promise<void> {
    this.#closing ??= (async () => {
      this.#abort.abort();
      for (const { what, fn } of this.#cleanup.reverse()) {
        try {
          await fn();
        } catch (err) {
          this.log.warn({ err, what }, 'cleanup step failed');
        }
      }
    })();
    return this.#closing;
  }

  [Symbol.asyncDispose](): Promise<void> {
    return this.close();
  }
}

/** The cache's counters as `docflow status` shows them: hits and misses per level, and the rest. */
function cacheFigures(st: ReturnType<PipelineStores['cache']['stats']>): Record<string, { hits: number; misses: number } & Record<string, unknown>> {
  const out: Record<string, { hits: number; misses: number } & Record<string, unknown>> = {};
  for (const level of ['l1', 'l2', 'l3'] as const) {
    const l = st[level] as unknown as Record<string, unknown>;
    out[level] = { ...l, hits: Number(l['hits'] ?? 0), misses: Number(l['misses'] ?? 0) };
  }
  return out;
}
