import { spawn, type ChildProcess } from 'node:child_process';
import { closeSync, mkdtempSync, openSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { DeliverPolicy } from '@nats-io/jetstream';
import { ChromaClient } from 'chromadb';
import pg from 'pg';
import { stringify } from 'yaml';
import { deepMerge, PACKAGE_ROOT, streamName, type Config } from '../../src/config/load.js';
import { startChroma, type RunningChroma } from '../../src/embedded/chroma.js';
import { startNatsServer, type RunningNatsServer } from '../../src/embedded/nats-server.js';
import { startPostgres, type RunningPostgres } from '../../src/embedded/postgres.js';
import { Ingest, Result, type MessageOf } from '../../src/messages/index.js';
import { ALL_STAGES, type PipelineStageName } from '../../src/pipeline/stages.js';
import { readHeaders } from '../../src/transport/headers.js';
import { Transport } from '../../src/transport/index.js';
import { startRedis, type RedisHarness } from '../harness/redis.js';
import { testConfig, uniquePrefix } from '../harness/nats.js';
import type { ChaosDoc } from './corpus.js';

const BIN = resolve(PACKAGE_ROOT, 'dist/src/cli/main.js');
const TERMINAL = new Set(['indexed', 'unchanged', 'failed']);
type ResultMessage = MessageOf<typeof Result>;

/** How big a run is: the short form runs in CI, `DOCFLOW_CHAOS=long` is the form the issue's figures come from. */
export const LONG = process.env.DOCFLOW_CHAOS === 'long';
export function scale(short: number, long: number): number {
  const forced = Number(process.env.DOCFLOW_CHAOS_DOCS);
  return Number.isInteger(forced) && forced > 0 ? forced : LONG ? long : short;
}

export interface ClusterOptions {
  /** Also run redis-server as the cache's L2. */
  redis?: boolean;
  /** Worker processes per stage (default 1 each, every stage of ALL_STAGES). */
  workers?: Partial<Record<PipelineStageName, number>>;
  /** Config for every process, nested as in the YAML file (merged over the chaos defaults). */
  config?: Record<string, unknown>;
  /** Config for the processes of one stage only (merged over `config`). */
  stageConfig?: Partial<Record<PipelineStageName, Record<string, unknown>>>;
  /** An existing NATS deployment (e.g. a cluster across hosts) instead of a local nats-server. */
  nats?: { servers: string[]; user?: string; password?: string };
  /** More worker processes, each running several stages, behind a command prefix (e.g. `ip netns exec <ns>`), with its own config (merged over `config`). */
  hosts?: Array<{ name: string; stages: PipelineStageName[]; wrap?: string[]; config?: Record<string, unknown> }>;
}

/** A `docflow worker --stages <stage>` process that the harness starts again when it dies, as systemd would. */
export class StageWorker {
  child: ChildProcess | undefined;
  starts = 0;
  #respawn = true;
  #ready: Promise<void> = Promise.resolve();

  /**
   * @param stage - what the worker is called: its stage, or the host that runs it
   * @param stages - the stages it runs (`--stages`), by default `stage`
   * @param wrap - a command prefix, e.g. `['ip', 'netns', 'exec', 'ns1']`
   */
  constructor(readonly stage: string, readonly index: number, readonly configFile: string, readonly logFile: string, readonly opts: { stages?: readonly string[]; wrap?: readonly string[] } = {}) {}

  get pid(): number | undefined {
    return this.child && this.child.exitCode === null && this.child.signalCode === null ? this.child.pid : undefined;
  }

  start(): Promise<void> {
    const env = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('DOCFLOW_')));
    const log = openSync(this.logFile, 'a');
    const argv = [process.execPath, BIN, 'worker', '--stages', (this.opts.stages ?? [this.stage]).join(','), '--config', this.configFile];
    const [cmd, ...args] = [...(this.opts.wrap ?? []), ...argv];
    const child = spawn(cmd!, args, { env, stdio: ['ignore', 'pipe', log] });
    closeSync(log);
    this.child = child;
    this.starts++;
    this.#ready = new Promise<void>((resolveReady, reject) => {
      child.stdout!.once('data', () => resolveReady());
      child.once('exit', (code, signal) => reject(new Error(`worker ${this.stage}#${this.index} exited (${signal ?? code}) before it was ready: ${readFileSync(this.logFile, 'utf8').slice(-2_000)}`)));
    });
    this.#ready.catch(() => undefined);
    child.once('exit', () => {
      if (this.#respawn && this.child === child) setTimeout(() => { if (this.#respawn && this.child === child) void this.start(); }, 250).unref();
    });
    return this.#ready;
  }

  ready(): Promise<void> {
    return this.#ready;
  }

  signal(sig: NodeJS.Signals): boolean {
    const pid = this.pid;
    if (pid === undefined) return false;
    process.kill(pid, sig);
    return true;
  }

  /** Stop it gracefully (SIGTERM) and wait for the harness to start it again, e.g. with a changed config file. */
  async restart(): Promise<void> {
    const before = this.starts;
    const c = this.child;
    c?.kill('SIGTERM');
    while (this.starts === before) await sleep(50);
    await this.#ready;
  }

  async stop(): Promise<void> {
    this.#respawn = false;
    const c = this.child;
    if (!c || c.exitCode !== null || c.signalCode !== null) return;
    const exited = new Promise<void>((r) => c.once('exit', () => r()));
    c.kill('SIGCONT');
    c.kill('SIGTERM');
    const t = setTimeout(() => c.kill('SIGKILL'), 15_000);
    await exited;
    clearTimeout(t);
  }
}

/** Per-run figures for the chaos report. */
export interface RunFigures {
  test: string;
  documents: number;
  faults: number;
  redeliveries: number;
  duplicates: number;
  lost: number;
  seconds: number;
}

/** What every chaos run ends with, whatever it injected. */
export interface Verdict {
  /** docId → terminal results seen for it (more than one is a duplicate). */
  terminals: Map<string, ResultMessage[]>;
  /** Documents expected `indexed` that are not in both stores with their chunks. */
  lost: string[];
  duplicates: number;
  redeliveries: number;
}

/**
 * Real nats-server (JetStream on disk), PostgreSQL, Chroma and optionally Redis, each of which can be
 * restarted in place, and one `docflow worker` process per stage, all in one temp dir.
 */
export class ChaosCluster implements AsyncDisposable {
  readonly workers: StageWorker[] = [];
  readonly results = new Map<string, ResultMessage[]>();
  #nextResultSeq = 1;
  #stopped = false;

  private constructor(
    readonly dir: string,
    /** The local nats-server, unless the cluster runs on an existing NATS deployment. */
    readonly nats: RunningNatsServer | undefined,
    public postgres: RunningPostgres,
    public chroma: RunningChroma,
    readonly redis: RedisHarness | undefined,
    readonly config: Readonly<Config>,
    readonly client: Transport,
    readonly fileConfig: Record<string, unknown>,
  ) {}

  static async start(opts: ClusterOptions = {}): Promise<ChaosCluster> {
    const dir = mkdtempSync(join(tmpdir(), 'docflow-chaos-'));
    const undo: Array<() => Promise<void>> = [];
    try {
      const nats = opts.nats ? undefined : await startNatsServer({ configFile: resolve(PACKAGE_ROOT, 'nats-server.conf'), workDir: join(dir, 'nats'), port: 0, monitorPort: 0 });
      if (nats) undo.push(() => nats.stop());
      const servers = opts.nats?.servers ?? [nats!.url];
      const postgres = await startPostgres({ dataDir: join(dir, 'pg'), port: 0, persistent: false });
      undo.push(() => postgres.stop());
      const chroma = await startChroma({ dataDir: join(dir, 'chroma'), port: 0 });
      undo.push(() => chroma.stop());
      const redis = opts.redis ? await startRedis() : undefined;
      if (redis) undo.push(async () => { await redis[Symbol.asyncDispose](); });

      const prefix = uniquePrefix();
      // Short ack waits, so that a stopped or killed worker's messages come back within the run.
      const consumers = Object.fromEntries(['load', ...ALL_STAGES.filter((s) => s !== 'load').flatMap((s) => ['critical', 'high', 'normal', 'low'].map((l) => `${s}-${l}`))]
        .map((name) => [name, { ackWaitMs: 6_000 }]));
      const fileConfig = deepMerge({
        subjectPrefix: prefix,
        dataDir: join(dir, 'data'),
        log: { level: 'info' },
        nats: { servers, reconnectWaitMs: 200, ...(opts.nats?.user ? { user: opts.nats.user, password: opts.nats.password ?? '' } : {}) },
        postgres: { url: postgres.url, poolMax: 4 },
        chroma: { url: chroma.url },
        load: { roots: [dir] },
        metrics: { enabled: false },
        consumers,
        stageDefaults: { progressIntervalMs: 1_000, drainGraceMs: 1_000, retryBaseDelayMs: 200, retryMaxDelayMs: 3_000 },
        memory: { intervalMs: 500 },
        ...(redis ? { cache: { l2: { url: redis.url } } } : {}),
      }, opts.config ?? {});
      const config = testConfig(servers[0]!, flatten(fileConfig));
      const client = await Transport.connect(config);
      undo.push(() => client.close());
      await client.ensureTopology();
      const cluster = new ChaosCluster(dir, nats, postgres, chroma, redis, config, client, fileConfig);
      undo.length = 0;
      for (const stage of ALL_STAGES) {
        const file = join(dir, `worker-${stage}.yaml`);
        writeFileSync(file, stringify(deepMerge(fileConfig, opts.stageConfig?.[stage] ?? {})));
        for (let i = 0; i < (opts.workers?.[stage] ?? 1); i++) cluster.workers.push(new StageWorker(stage, i, file, join(dir, `worker-${stage}-${i}.log`)));
      }
      for (const h of opts.hosts ?? []) {
        const file = join(dir, `worker-${h.name}.yaml`);
        writeFileSync(file, stringify(deepMerge(fileConfig, h.config ?? {})));
        cluster.workers.push(new StageWorker(h.name, 0, file, join(dir, `worker-${h.name}-0.log`), { stages: h.stages, ...(h.wrap ? { wrap: h.wrap } : {}) }));
      }
      try {
        await Promise.all(cluster.workers.map((w) => w.start()));
      } catch (err) {
        await cluster[Symbol.asyncDispose]();
        throw err;
      }
      return cluster;
    } catch (err) {
      for (const u of undo.reverse()) await u().catch(() => undefined);
      rmSync(dir, { recursive: true, force: true });
      throw err;
    }
  }

  /** The workers called `stage` (a stage, or a host's name). */
  workersOf(stage: string): StageWorker[] {
    return this.workers.filter((w) => w.stage === stage);
  }

  /** Publish every document on `ingest` (JetStream-acked, de-duplicated by id). */
  async publish(docs: readonly ChaosDoc[]): Promise<void> {
    const subject = this.client.subject('ingest');
    const acks: Array<Promise<unknown>> = [];
    for (const d of docs) acks.push((await this.client.send(subject, Ingest, d.msg, { msgId: `chaos:${d.id}` })).acked);
    await Promise.all(acks);
  }

  /** Read what the results stream gained since the last call (survives server restarts: a failed read is tried again next time). */
  async pollResults(): Promise<void> {
    try {
      const c = await this.client.js.consumers.get(streamName(this.config, 'RESULTS'), { deliver_policy: DeliverPolicy.StartSequence, opt_start_seq: this.#nextResultSeq });
      const batch = await c.fetch({ max_messages: 5_000, expires: 1_000 });
      for await (const m of batch) {
        const r = this.client.codec.decode(Result, m.data, readHeaders(m.headers));
        const list = this.results.get(r.docId) ?? [];
        list.push(r);
        this.results.set(r.docId, list);
        this.#nextResultSeq = m.seq + 1;
      }
    } catch {
      // the server is restarting; the next poll continues from the same sequence
    }
  }

  /** How many of `ids` are done: by default, have a terminal result. */
  terminalCount(ids: readonly string[], done: (results: ResultMessage[]) => boolean = (rs) => rs.some((r) => TERMINAL.has(r.status))): number {
    return ids.filter((id) => done(this.results.get(id) ?? [])).length;
  }

  /**
   * Publish `docs` and run them to the end with `steps` (faults) in order, each once, when the share
   * `at` of the documents is done; `run` returns how many faults it injected. The documents past the
   * last step's share, and a tenth more, are published with the last step: documents that queued
   * behind an outage finish in a burst, which could otherwise end the run before every step came
   * round. Returns the number of faults.
   */
  async runWithSteps(docs: readonly ChaosDoc[], steps: ReadonlyArray<{ at: number; run: () => Promise<number> }>, opts: { timeoutMs: number; everyMs?: number; label: string }): Promise<number> {
    const n = docs.length;
    const first = Math.min(n, Math.ceil(n * ((steps.at(-1)?.at ?? 1) + 0.1)));
    await this.publish(docs.slice(0, first));
    const pending = [...steps];
    return this.runUntilDone(docs.map((d) => d.id), {
      ...opts,
      fault: async (_round, done) => {
        const next = pending[0];
        if (!next || done < next.at * n) return 0;
        pending.shift();
        if (pending.length === 0) await this.publish(docs.slice(first));
        return next.run();
      },
    });
  }

  /**
   * Wait until every id has a terminal result, running `fault` every `everyMs` meanwhile (it is told
   * the round and how many documents are done, and returns how many faults it injected). Prints progress every 10 s. Returns the number of faults.
   */
  async runUntilDone(ids: readonly string[], opts: { timeoutMs: number; fault?: (round: number, done: number) => Promise<number>; everyMs?: number; label: string; done?: (results: ResultMessage[]) => boolean }): Promise<number> {
    const start = Date.now();
    let faults = 0;
    let round = 0;
    let lastFault = Date.now();
    let lastReport = Date.now();
    for (;;) {
      await this.pollResults();
      const done = this.terminalCount(ids, opts.done);
      if (done === ids.length) return faults;
      const now = Date.now();
      if (now - start > opts.timeoutMs) {
        const missing = ids.filter((id) => !this.results.get(id)?.some((r) => TERMINAL.has(r.status)));
        throw new Error(`${opts.label}: ${missing.length} of ${ids.length} documents without a terminal result after ${opts.timeoutMs} ms (faults ${faults}), e.g. ${missing.slice(0, 5).map((id) => `${id} (${(this.results.get(id) ?? []).map((r) => `${r.status}${r.stage ? `:${r.stage}` : ''}`).join(',') || 'no result'})`).join('; ')}; logs in ${this.dir}`);
      }
      if (opts.fault && now - lastFault >= (opts.everyMs ?? 3_000)) {
        faults += await opts.fault(round++, done);
        lastFault = Date.now();
      }
      if (now - lastReport >= 10_000) {
        process.stderr.write(`      chaos ${opts.label}: ${done}/${ids.length} done${opts.fault ? `, ${faults} fault(s)` : ''}, ${Math.round((now - start) / 1000)} s\n`);
        lastReport = now;
      }
      await sleep(250);
    }
  }

  /** Wait until no message is left in INGEST or PIPELINE and no consumer has one pending or unacked. */
  async settle(timeoutMs = 60_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    let last = '';
    for (;;) {
      try {
        last = await this.inFlight();
        if (last === '') return;
      } catch (err) {
        last = (err as Error).message;
      }
      if (Date.now() > deadline) throw new Error(`still in flight after ${timeoutMs} ms: ${last}`);
      await sleep(500);
    }
  }

  /** '' when nothing is in flight, else what is. */
  async inFlight(): Promise<string> {
    const busy: string[] = [];
    for (const key of ['INGEST', 'PIPELINE']) {
      const name = streamName(this.config, key);
      const info = await this.client.jsm.streams.info(name, { subjects_filter: '>' });
      if (info.state.messages > 0) busy.push(`${key} holds ${info.state.messages} from seq ${info.state.first_seq} (${JSON.stringify(info.state.subjects ?? {})})`);
      for await (const c of this.client.jsm.consumers.list(name)) {
        const where = `delivered ${c.delivered.stream_seq}, ack floor ${c.ack_floor.stream_seq}`;
        const holds = c.config.filter_subject !== undefined && (info.state.subjects ?? {})[c.config.filter_subject] !== undefined;
        if (c.num_pending > 0 || c.num_ack_pending > 0 || holds) busy.push(`${c.name}: ${c.num_pending} pending, ${c.num_ack_pending} unacked (${where})`);
      }
    }
    return busy.join('; ');
  }

  /** Deliveries beyond the first, over every work consumer: each delivery bumps a consumer's sequence, each message is one stream sequence. */
  async redeliveries(): Promise<number> {
    let deliveries = 0;
    let messages = 0;
    for (const key of ['INGEST', 'PIPELINE']) {
      const name = streamName(this.config, key);
      messages += (await this.client.jsm.streams.info(name)).state.last_seq;
      for await (const c of this.client.jsm.consumers.list(name)) deliveries += c.delivered.consumer_seq;
    }
    return deliveries - messages;
  }

  /**
   * The checks of every run: each id one terminal result; each id expected `indexed` is in PostgreSQL
   * once with its chunks, and Chroma holds exactly those chunks; nothing in flight.
   */
  async verify(expectIndexed: readonly string[]): Promise<Verdict> {
    await this.settle();
    await this.pollResults();
    const terminals = new Map<string, ResultMessage[]>();
    let duplicates = 0;
    for (const [id, rs] of this.results) {
      const t = rs.filter((r) => TERMINAL.has(r.status));
      terminals.set(id, t);
      duplicates += Math.max(0, t.length - 1);
    }
    const db = new pg.Client({ connectionString: this.postgres.url });
    await db.connect();
    const docs = new Map<string, { status: string; chunks: number }>();
    const pgChunks = new Map<string, number>();
    try {
      for (const r of (await db.query<{ id: string; status: string; chunks: number }>('SELECT id, status, chunks FROM documents')).rows) docs.set(r.id, r);
      for (const r of (await db.query<{ doc_id: string; n: string; positions: string }>('SELECT doc_id, count(*) AS n, count(DISTINCT idx) AS positions FROM chunks GROUP BY doc_id')).rows) {
        if (r.n !== r.positions) duplicates += Number(r.n) - Number(r.positions);
        pgChunks.set(r.doc_id, Number(r.n));
      }
    } finally {
      await db.end();
    }
    const vectors = await this.chromaChunksByDoc();
    const lost: string[] = [];
    for (const id of expectIndexed) {
      const t = terminals.get(id) ?? [];
      const chunks = t[0]?.chunks ?? -1;
      const ok = t.length > 0 && t[0]!.status === 'indexed' && t.every((r) => r.status === t[0]!.status && r.chunks === chunks)
        && docs.get(id)?.status === 'indexed' && docs.get(id)?.chunks === chunks && pgChunks.get(id) === chunks && vectors.get(id) === chunks;
      if (!ok) lost.push(`${id}: results ${t.map((r) => `${r.status}/${r.chunks}`).join(',') || 'none'}, postgres ${docs.get(id)?.status ?? 'none'}/${pgChunks.get(id) ?? 0}, chroma ${vectors.get(id) ?? 0}`);
    }
    return { terminals, lost, duplicates, redeliveries: await this.redeliveries() };
  }

  /** docId → number of vectors in Chroma, over every collection on the server. */
  async chromaChunksByDoc(): Promise<Map<string, number>> {
    const u = new URL(this.chroma.url);
    const client = new ChromaClient({ host: u.hostname, port: Number(u.port), ssl: false });
    const out = new Map<string, number>();
    for (const col of await client.listCollections({ limit: 100 })) {
      const seen = new Set<string>();
      for (let offset = 0; ; offset += 1_000) {
        const page = await col.get({ include: ['metadatas'], limit: 1_000, offset });
        page.ids.forEach((id, i) => {
          if (seen.has(id)) return;
          seen.add(id);
          const doc = String(page.metadatas[i]?.docId ?? '');
          out.set(doc, (out.get(doc) ?? 0) + 1);
        });
        if (page.ids.length < 1_000) break;
      }
    }
    return out;
  }

  /** Restart PostgreSQL in place (a fast shutdown, as `pg_ctl restart -m fast`): same port, same data. */
  async restartPostgres(downMs = 2_000): Promise<void> {
    const old = this.postgres;
    const pid = old.pid();
    if (pid) process.kill(pid, 'SIGINT');
    await waitGone(pid);
    await sleep(downMs);
    this.postgres = await startPostgres({ dataDir: join(this.dir, 'pg'), port: old.port, persistent: false });
  }

  /** Stop Chroma, leave it down for `downMs`, start it again on the same port and store. */
  async restartChroma(downMs = 2_000): Promise<void> {
    const old = this.chroma;
    await old.stop();
    await sleep(downMs);
    this.chroma = await startChroma({ dataDir: join(this.dir, 'chroma'), port: old.port });
  }

  /** Count lines matching `re` in the logs of a stage's workers (e.g. supervisor restarts). */
  countInLogs(stage: PipelineStageName, re: RegExp): number {
    return this.workersOf(stage).reduce((n, w) => n + readFileSync(w.logFile, 'utf8').split('\n').filter((l) => re.test(l)).length, 0);
  }

  async [Symbol.asyncDispose](): Promise<void> {
    if (this.#stopped) return;
    this.#stopped = true;
    await Promise.all(this.workers.map((w) => w.stop()));
    await this.client.close().catch(() => undefined);
    await this.redis?.[Symbol.asyncDispose]();
    await this.chroma.stop();
    await this.postgres.stop();
    await this.nats?.stop();
    if (process.env.DOCFLOW_CHAOS_KEEP) process.stderr.write(`      chaos: kept ${this.dir}\n`);
    else rmSync(this.dir, { recursive: true, force: true });
  }
}

async function waitGone(pid: number | undefined): Promise<void> {
  if (!pid) return;
  for (;;) {
    try {
      process.kill(pid, 0);
    } catch {
      return;
    }
    await sleep(100);
  }
}

/** `{ a: { b: 1 } }` → `{ 'a.b': 1 }`, the shape of loadConfig's overrides. */
function flatten(o: Record<string, unknown>, path = ''): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(o)) {
    const key = path ? `${path}.${k}` : k;
    if (isPlain(v)) Object.assign(out, flatten(v, key));
    else out[key] = v;
  }
  return out;
}

function isPlain(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** The chaos report: one row per run, printed and (with DOCFLOW_CHAOS_REPORT=FILE) appended to a Markdown file. */
export function report(f: RunFigures): void {
  const row = `| ${f.test} | ${f.documents} | ${f.faults} | ${f.redeliveries} | ${f.duplicates} | ${f.lost} | ${f.seconds.toFixed(1)} |`;
  process.stderr.write(`      chaos report: documents ${f.documents}, faults ${f.faults}, redeliveries ${f.redeliveries}, duplicates ${f.duplicates}, lost ${f.lost}, ${f.seconds.toFixed(1)} s\n`);
  const file = process.env.DOCFLOW_CHAOS_REPORT;
  if (!file) return;
  let text = '';
  try {
    text = readFileSync(file, 'utf8');
  } catch {
    text = '| test | documents | faults | redeliveries | duplicates | lost | seconds |\n|---|---:|---:|---:|---:|---:|---:|\n';
  }
  writeFileSync(file, `${text}${row}\n`);
}
