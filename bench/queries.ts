/**
 * Knowledge queries benchmark, on embedded PostgreSQL and a real nats-server:
 * - entity and relation queries per second and p99 latency through the query actors over NATS
 *   request/reply, against the same store calls made directly (ratio; goal >= 0.7);
 * - path searches at depth 3, p99 over NATS (goal < 50 ms);
 * - `documents` lookups from 100 concurrent callers, batched by the documents actor against one
 *   query per request (ratio of throughputs, and SQL statements per request).
 * The corpus is generated from a fixed seed: 400 documents, 10,000+ entities, ~12,000 relations.
 * Entity and relation queries are measured in ROUNDS alternating rounds of direct, over NATS, and a
 * bare nats.js request/reply around the same store call (the transport's floor); each line is the
 * round with the median rate, and each ratio the median of the rounds' ratios (a round's three
 * measurements run seconds apart), so neither side gains from going later, on warmer caches, or
 * from a quiet moment of the machine.
 * Run: node dist/bench/queries.js   (BENCH_SECONDS: seconds per measurement, default 3;
 *   BENCH_ROUNDS: rounds of the entity and relation queries, default 5;
 *   BENCH_CONCURRENCY: callers of the entity and relation queries, default 16)
 */
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { createDocumentsActor } from '../actors/query/documents.actor.js';
import { createEntitiesActor } from '../actors/query/entities.actor.js';
import { createPathsActor } from '../actors/query/paths.actor.js';
import { createRelationsActor } from '../actors/query/relations.actor.js';
import { actorEndpoint } from '../src/actor/serve.js';
import { loadConfig, PACKAGE_ROOT } from '../src/config/load.js';
import { startNatsServer } from '../src/embedded/nats-server.js';
import { startPostgres } from '../src/embedded/postgres.js';
import { silentLogger } from '../src/log.js';
import {
  DocumentsReply, EntitiesReply, EntitiesRequest, PathsReply, PathsRequest, QueryInput, RelationsReply, RelationsRequest,
  type EntitiesRequestMessage, type PathsRequestMessage, type RelationsRequestMessage,
} from '../src/messages/queries.js';
import { KNOWLEDGE_MIGRATION, KnowledgeStore, type KnowledgeDb } from '../src/stores/knowledge/index.js';
import { Database, migrate, MIGRATIONS, type Queryable, type Row } from '../src/stores/postgres/index.js';
import { Transport } from '../src/transport/index.js';
import { prng } from '../test/harness/prng.js';
import { processTree, procCpuMs } from './cpu.js';
import type { EntityType, ExtractedKnowledge } from '../src/knowledge/index.js';

const SECONDS = Number(process.env['BENCH_SECONDS'] ?? 3);
const CONCURRENCY = Number(process.env['BENCH_CONCURRENCY'] ?? 16);
const ROUNDS = Number(process.env['BENCH_ROUNDS'] ?? 5);

/** Throughput, latency and CPU per call of one measured workload. */
export interface Rate {
  perSec: number;
  p50Ms: number;
  p99Ms: number;
  calls: number;
  /** CPU time per call, microseconds: this process, nats-server, PostgreSQL (all its processes). */
  cpuUs: { node: number; nats: number; postgres: number };
}

/** Where CPU is measured: this process, nats-server, and the PostgreSQL server's process tree. */
interface Parties { natsPid: number; pgPid: number }

function cpuNow(parties: Parties): { node: number; nats: number; postgres: number } {
  const u = process.cpuUsage();
  return {
    node: (u.user + u.system) / 1000,
    nats: procCpuMs(parties.natsPid),
    postgres: processTree(parties.pgPid).reduce((sum, p) => sum + procCpuMs(p), 0),
  };
}

let parties: Parties | undefined;

/** Run `concurrency` loops of `call(i)` for `ms` milliseconds. */
async function measure(call: (i: number) => Promise<unknown>, concurrency: number, ms: number): Promise<Rate> {
  for (let i = 0; i < 50; i++) await call(i); // warm up plans, connections, JIT
  const cpu0 = parties ? cpuNow(parties) : undefined;
  const latencies: number[] = [];
  let next = 0;
  const started = performance.now();
  const deadline = started + ms;
  await Promise.all(Array.from({ length: concurrency }, async () => {
    while (performance.now() < deadline) {
      const t0 = performance.now();
      await call(next++);
      latencies.push(performance.now() - t0);
    }
  }));
  const elapsed = performance.now() - started;
  const cpu1 = parties ? cpuNow(parties) : undefined;
  const per = (k: 'node' | 'nats' | 'postgres') => (cpu0 && cpu1 ? ((cpu1[k] - cpu0[k]) * 1000) / latencies.length : 0);
  latencies.sort((a, b) => a - b);
  const at = (q: number) => latencies[Math.min(latencies.length - 1, Math.ceil(q * latencies.length) - 1)] ?? 0;
  return { perSec: latencies.length / (elapsed / 1000), p50Ms: at(0.5), p99Ms: at(0.99), calls: latencies.length, cpuUs: { node: per('node'), nats: per('nats'), postgres: per('postgres') } };
}

/** Every round of each workload, in the order they ran. */
type Rounds<K extends string> = Record<K, Rate[]>;

/**
 * `rounds` rounds of every workload in turn. Alternating keeps slow drifts of the machine (caches,
 * the JIT, PostgreSQL's buffers, a busy neighbour on the host) from favouring one side; ratios are
 * then taken within a round ({@link pairedRatio}), between measurements seconds apart.
 */
async function measureRounds<K extends string>(calls: Record<K, (i: number) => Promise<unknown>>, concurrency: number, ms: number, rounds: number): Promise<Rounds<K>> {
  const runs = Object.fromEntries(Object.keys(calls).map((k) => [k, [] as Rate[]])) as unknown as Rounds<K>;
  for (let r = 0; r < rounds; r++) for (const k of Object.keys(calls) as K[]) runs[k].push(await measure(calls[k], concurrency, ms));
  return runs;
}

/** The round with the median rate. */
function medianRate(xs: readonly Rate[]): Rate {
  return [...xs].sort((a, b) => a.perSec - b.perSec)[Math.floor(xs.length / 2)]!;
}

/** `a`'s rate over `b`'s in each round: the median, and the lowest and highest. */
function pairedRatio(a: readonly Rate[], b: readonly Rate[]): { median: number; min: number; max: number } {
  const xs = a.map((r, i) => r.perSec / b[i]!.perSec).sort((x, y) => x - y);
  return { median: xs[Math.floor(xs.length / 2)]!, min: xs[0]!, max: xs[xs.length - 1]! };
}

/** A Database whose statements are counted. */
function counting(db: Database): KnowledgeDb & { count: number } {
  const wrap = (q: Queryable): Queryable => ({
    query: <R extends Row = Row>(text: string, params?: readonly unknown[]) => {
      out.count++;
      return q.query<R>(text, params);
    },
  });
  const out = {
    count: 0,
    query: <R extends Row = Row>(text: string, params?: readonly unknown[]) => wrap(db).query<R>(text, params),
    transaction: <T>(fn: (tx: Queryable) => Promise<T>) => db.transaction((tx) => fn(wrap(tx))),
  };
  return out;
}

async function load(store: KnowledgeStore, db: Database, corpus: GeneratedCorpus): Promise<{ docsPerSec: number; entities: number; relations: number }> {
  const t0 = performance.now();
  for (const doc of corpus.documents) await store.replaceDocument(doc.id, doc.knowledge);
  const docsPerSec = corpus.documents.length / ((performance.now() - t0) / 1000);
  await db.query("INSERT INTO documents (id, collection, content_hash, status, chunks) SELECT id, 'bench', md5(id), 'indexed', 3 FROM unnest($1::text[]) AS t(id)", [corpus.documents.map((d) => d.id)]);
  // Settle what autovacuum and the checkpointer would otherwise do during the measurements (the
  // corpus was just written; VACUUM dirties every page it visits).
  await db.query('VACUUM ANALYZE');
  await db.query('CHECKPOINT');
  const count = async (table: string) => Number((await db.query(`SELECT count(*) AS n FROM ${table}`)).rows[0]!['n']);
  return { docsPerSec, entities: await count('entities'), relations: await count('relations') };
}

/** The generated corpus: documents with their knowledge, name fragments to search, pairs to connect. */
export interface GeneratedCorpus {
  documents: Array<{ id: string; knowledge: ExtractedKnowledge }>;
  fragments: string[];
  pathPairs: Array<[string, string]>;
}

const SYLLABLES = ['ka', 'lo', 'mir', 'ven', 'sta', 'dor', 'el', 'ri', 'an', 'tho', 'mas', 'bel', 'qui', 'zor', 'fen', 'gal', 'ith', 'ur', 'os', 'pa', 'ne', 'vik', 'sol', 'ter'];
const PREDICATES = ['work at', 'found', 'visit', 'born in', 'marry', 'study', 'lead', 'fund', 'located in', 'write about', 'join', 'teach at'];
const SUFFIX: Record<EntityType, readonly string[]> = {
  person: [''], place: ['burg', 'ford', 'ville', 'mouth', 'stad'],
  organization: [' Institute', ' Corporation', ' University', ' Foundation', ' Society'], term: [' theory', ' method', ' process', ' engine', ' protocol'],
};
const TYPES: readonly EntityType[] = ['person', 'person', 'place', 'organization', 'term'];

/**
 * 400 documents of 25 new entities each plus 5 already seen (so documents share entities and the
 * graph is connected), 30 relations each among their 30 entities, mentions in 1 of 3 chunks.
 */
export function generateCorpus(seed: number): GeneratedCorpus {
  const rnd = prng(seed);
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rnd() * xs.length)]!;
  const word = () => {
    const w = Array.from({ length: 2 + Math.floor(rnd() * 2) }, () => pick(SYLLABLES)).join('');
    return w[0]!.toUpperCase() + w.slice(1);
  };
  const used = new Set<string>();
  const fresh = (type: EntityType): string => {
    for (;;) {
      const base = type === 'person' ? `${word()} ${word()}` : `${word()}${pick(SUFFIX[type])}`;
      const name = type === 'term' ? base.toLowerCase() : base;
      if (!used.has(name.toLowerCase())) {
        used.add(name.toLowerCase());
        return name;
      }
    }
  };
  const all: Array<{ name: string; type: EntityType }> = [];
  const adjacency = new Map<string, string[]>();
  const link = (a: string, b: string) => {
    adjacency.set(a, [...(adjacency.get(a) ?? []), b]);
    adjacency.set(b, [...(adjacency.get(b) ?? []), a]);
  };
  const documents: GeneratedCorpus['documents'] = [];
  for (let d = 0; d < 400; d++) {
    const id = `bench-${String(d).padStart(4, '0')}`;
    const mine = Array.from({ length: 25 }, () => {
      const type = pick(TYPES);
      return { name: fresh(type), type };
    });
    const shared = all.length > 0 ? Array.from({ length: 5 }, () => pick(all)) : [];
    all.push(...mine);
    const members = [...new Map([...mine, ...shared].map((e) => [e.name, e])).values()];
    const entities = members.map((e) => ({ ...e, confidence: Math.round((0.55 + rnd() * 0.44) * 1000) / 1000, mentions: [{ chunkId: `${id}:${Math.floor(rnd() * 3)}` }] }));
    const relations: ExtractedKnowledge['relations'] = [];
    for (let r = 0; r < 30; r++) {
      const a = pick(members);
      const b = pick(members);
      if (a.name === b.name) continue;
      relations.push({ subject: a, predicate: pick(PREDICATES), object: b, confidence: Math.round((0.5 + rnd() * 0.45) * 1000) / 1000, chunkId: `${id}:0` });
      link(a.name, b.name);
    }
    documents.push({ id, knowledge: { entities, relations } });
  }
  const fragments = Array.from({ length: 500 }, () => {
    const n = pick(all).name.toLowerCase();
    const at = Math.floor(rnd() * Math.max(1, n.length - 3));
    return n.slice(at, at + 3);
  });
  const pathPairs: Array<[string, string]> = [];
  while (pathPairs.length < 200) {
    const from = pick(all).name;
    let at = from;
    const hops = 2 + Math.floor(rnd() * 2);
    for (let h = 0; h < hops; h++) at = pick(adjacency.get(at) ?? [at]);
    // every fourth pair is random: mostly not connected within 3, the search must still end fast
    pathPairs.push([from, pathPairs.length % 4 === 3 ? pick(all).name : at]);
  }
  return { documents, fragments, pathPairs: pathPairs.filter(([a, b]) => a !== b) };
}

async function main(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'docflow-bench-q-'));
  // its own temp dir: PostgreSQL runs as another OS user when docflow runs as root, and takes ownership of it
  const pgDir = mkdtempSync(join(tmpdir(), 'docflow-bench-pg-'));
  const pg = await startPostgres({ dataDir: pgDir, port: 0, persistent: false });
  const nats = await startNatsServer({ configFile: resolve(PACKAGE_ROOT, 'nats-server.conf'), workDir: join(dir, 'nats') });
  const db = await Database.connect(pg.url, { max: 10 });
  parties = { natsPid: nats.pid() ?? 0, pgPid: pg.pid() ?? 0 };
  const abort = new AbortController();
  try {
    const known = MIGRATIONS.some((m) => m.sql === KNOWLEDGE_MIGRATION.sql);
    await migrate(db, known ? MIGRATIONS : [...MIGRATIONS, { ...KNOWLEDGE_MIGRATION, version: MIGRATIONS.length + 1 }]);
    const store = new KnowledgeStore(db);
    const corpus = generateCorpus(0x5eed);
    const loaded = await load(store, db, corpus);

    const config = loadConfig({ env: {}, overrides: { 'nats.servers': [nats.url], subjectPrefix: 'benchq', 'log.level': 'silent' } });
    const server = await Transport.connect(config, { log: silentLogger });
    const client = await Transport.connect(config, { log: silentLogger });
    const documentsActor = createDocumentsActor(store, { batchWaitMs: 2 });
    const ep = { request: QueryInput, log: silentLogger, signal: abort.signal };
    const subject = (s: string) => server.subject(`query.${s}`);
    await server.serve({ name: 'docflow-query-bench', version: '0.0.0' }, [
      actorEndpoint(createEntitiesActor(store), { ...ep, subject: subject('entities'), reply: EntitiesReply }),
      actorEndpoint(createRelationsActor(store), { ...ep, subject: subject('relations'), reply: RelationsReply }),
      actorEndpoint(createPathsActor(store), { ...ep, subject: subject('paths'), reply: PathsReply }),
      actorEndpoint(documentsActor, { ...ep, subject: subject('documents'), reply: DocumentsReply }),
    ]);
    // The floor: a bare nats.js request/reply around the same store call, answered with a fixed body
    // of the size of a typical reply (no docflow codec, schema or service layer on either side).
    const bare = (name: string, call: (q: never) => Promise<unknown>, replyBytes: number) => {
      const body = new Uint8Array(replyBytes).fill(0x61);
      server.nc.subscribe(subject(`bare.${name}`), {
        queue: 'q',
        callback: (_err, m) => void call(JSON.parse(m.string()) as never).then(() => m.respond(body), () => m.respond(body)),
      });
      return (q: object) => client.nc.request(subject(`bare.${name}`), JSON.stringify(q), { timeout: 10_000 });
    };
    const replySize = async (kind: 'entities' | 'relations', q: object): Promise<number> => {
      const reply = await client.nc.request(subject(kind), client.codec.encode(kind === 'entities' ? EntitiesRequest : RelationsRequest, q as never).body, { timeout: 10_000 });
      return reply.data.length;
    };
    await client.nc.flush();

    const entityQ = (i: number): EntitiesRequestMessage => {
      const q: EntitiesRequestMessage = { name: corpus.fragments[i % corpus.fragments.length]!, size: 20 };
      if (i % 3 === 0) q.type = (['person', 'place', 'organization', 'term'] as const)[i % 4];
      if (i % 5 === 0) q.sort = 'name';
      return q;
    };
    const entityIds = (await db.query<{ id: string }>('SELECT id FROM entities ORDER BY id')).rows.map((r) => Number(r.id));
    const relationQ = (i: number): RelationsRequestMessage => ({ entityId: entityIds[(i * 7919) % entityIds.length]!, size: 20 });
    const pathQ = (i: number): PathsRequestMessage => {
      const [from, to] = corpus.pathPairs[i % corpus.pathPairs.length]!;
      return { from, to, maxDepth: 3, limit: 10 };
    };
    const ms = SECONDS * 1000;
    const bareEntities = bare('entities', (q) => store.entities(q), await replySize('entities', entityQ(1)));
    const bareRelations = bare('relations', (q) => store.relations(q), await replySize('relations', relationQ(1)));
    const entities = await measureRounds({
      direct: (i) => store.entities(entityQ(i)),
      nats: (i) => client.request(subject('entities'), EntitiesRequest, entityQ(i), EntitiesReply),
      bare: (i) => bareEntities(entityQ(i)),
    }, CONCURRENCY, ms, ROUNDS);
    const relations = await measureRounds({
      direct: (i) => store.relations(relationQ(i)),
      nats: (i) => client.request(subject('relations'), RelationsRequest, relationQ(i), RelationsReply),
      bare: (i) => bareRelations(relationQ(i)),
    }, CONCURRENCY, ms, ROUNDS);
    const pathsDirect = await measure((i) => store.paths(pathQ(i)), 4, ms);
    const pathsNats = await measure((i) => client.request(subject('paths'), PathsRequest, pathQ(i), PathsReply), 4, ms);
    let found = 0;
    for (let i = 0; i < corpus.pathPairs.length; i++) if ((await store.paths(pathQ(i))).length > 0) found++;

    const ids = corpus.documents.map((d) => d.id);
    const docIds = (i: number) => Array.from({ length: 1 + (i % 3) }, (_, k) => ids[(i * 31 + k * 97) % ids.length]!);
    const countedDb = counting(db);
    const countedStore = new KnowledgeStore(countedDb);
    const batched = createDocumentsActor(countedStore, { batchWaitMs: 2 });
    const ctx = { signal: abort.signal, log: silentLogger, emit: () => undefined };
    const before = countedDb.count;
    const docsBatched = await measure((i) => Promise.resolve(batched.handle({ ids: docIds(i) }, ctx)), 100, ms);
    const batchedQueries = (countedDb.count - before) / (docsBatched.calls + 50);
    await batched.close();
    const docsUnbatched = await measure((i) => countedStore.documents(docIds(i)), 100, ms);
    const docsNats = await measure((i) => client.request(subject('documents'), QueryInput, { ids: docIds(i) }, DocumentsReply), 100, ms);

    const f = (x: number) => Math.round(x).toLocaleString('en-US').padStart(7);
    const lat = (r: Rate) => `p50 ${r.p50Ms.toFixed(2).padStart(6)} ms, p99 ${r.p99Ms.toFixed(2).padStart(6)} ms`;
    const cpu = (r: Rate) => `CPU/call µs: node ${f(r.cpuUs.node)}, nats ${f(r.cpuUs.nats)}, postgres ${f(r.cpuUs.postgres)}`;
    const line = (what: string, r: Rate) => console.log(`  ${what.padEnd(44)} ${f(r.perSec)} /s   ${lat(r)}   ${cpu(r)}`);
    const paired = (a: readonly Rate[], b: readonly Rate[]) => {
      const r = pairedRatio(a, b);
      return { x: r.median, text: `${r.median.toFixed(2)}x   (rounds ${r.min.toFixed(2)}-${r.max.toFixed(2)})` };
    };
    console.log(`knowledge queries benchmark: ${loaded.entities.toLocaleString('en-US')} entities, ${loaded.relations.toLocaleString('en-US')} relations, ${corpus.documents.length} documents`);
    console.log(`  corpus written through replaceDocument      ${f(loaded.docsPerSec)} docs/s`);
    const section = (title: string, r: Rounds<'direct' | 'nats' | 'bare'>) => {
      console.log(`${title}; ${CONCURRENCY} concurrent callers; ${ROUNDS} alternating rounds, each line the median round)`);
      line('store, direct SQL', medianRate(r.direct));
      line('actor over NATS request/reply', medianRate(r.nats));
      line('bare nats.js request/reply, same call', medianRate(r.bare));
      const goal = paired(r.nats, r.direct);
      console.log(`  ratio NATS / direct, median of rounds        ${goal.text}   (GOAL >= 0.7: ${goal.x >= 0.7 ? 'PASS' : 'MISS'})`);
      console.log(`  floor: bare nats.js / direct                 ${paired(r.bare, r.direct).text}   (the transport alone: no codec, schema or service layer, a fixed reply of the same size)`);
      console.log(`  docflow / bare                               ${paired(r.nats, r.bare).text}`);
    };
    section('entities (name substring, type, sort', entities);
    section('relations (by entity, either side', relations);
    console.log(`paths at depth 3 (4 concurrent callers; ${found} of ${corpus.pathPairs.length} pairs connected within 3)`);
    line('store, direct SQL', pathsDirect);
    line('actor over NATS request/reply', pathsNats);
    console.log(`  p99 over NATS                                ${pathsNats.p99Ms.toFixed(2)} ms   (GOAL < 50 ms: ${pathsNats.p99Ms < 50 ? 'PASS' : 'MISS'})`);
    console.log('documents by id (1-3 ids a request, 100 concurrent callers)');
    line('one query per request (store)', docsUnbatched);
    line('batched by the documents actor (2 ms)', docsBatched);
    line('batched, over NATS request/reply', docsNats);
    console.log(`  ratio batched / one query per request        ${(docsBatched.perSec / docsUnbatched.perSec).toFixed(2)}x   (${batchedQueries.toFixed(3)} SQL statements per request batched, 1 unbatched)`);
    await documentsActor.close();
    await client.close();
    await server.close();
  } finally {
    abort.abort();
    await db.close();
    await nats.stop();
    await pg.stop();
    rmSync(dir, { recursive: true, force: true });
    rmSync(pgDir, { recursive: true, force: true });
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  main().then(() => process.exit(process.exitCode ?? 0), (err: unknown) => {
    console.error(err);
    process.exit(1);
  });
}
