/**
 * Cache benchmark: docflow's cache against the raw clients it wraps, on the same data in one
 * process. L1: `Cache` (levels ['l1']) against a bare lru-cache configured with the same bounds,
 * TTL and size function. L2: `Cache` (levels ['l2']) against bare ioredis storing the same values as
 * JSON, one request at a time and in batches of 100 (one MGET / 100 concurrent SETs on both sides).
 * Then the pipeline benchmark's corpus through `docflow up` twice with Redis as L2: cold (empty
 * caches), then in a fresh child under new document ids (L1 empty, L2/L3 warm), and the ratio.
 * It starts its own redis-server (and the pipeline's services). Run: node dist/bench/cache.js
 *   (BENCH_DOCS=n limits the corpus; BENCH_PIPELINE=0 skips the pipeline re-run)
 */
import { writeFileSync } from 'node:fs';
import { availableParallelism, loadavg } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { LRUCache } from 'lru-cache';
import { Cache, estimateBytes } from '../src/cache/index.js';
import { Codec } from '../src/codec/index.js';
import { startRedis } from '../test/harness/redis.js';
import { loadConfig } from '../src/config/load.js';
import { Transport } from '../src/transport/index.js';
import { corpus, pipelineRun, rate, startBenchServices, startDocflow, waitReady, type Figures } from './pipeline-run.js';

/** One contender pair. Rates are operations (keys) per second; ratio = cache / raw. */
export interface CacheBenchCase {
  level: 'L1' | 'L2';
  name: string;
  cacheOpsPerSec: number;
  rawOpsPerSec: number;
  ratio: number;
  /** Whether this case carries the goal (ratio >= 0.8). */
  goal: boolean;
  note: string;
}

export interface CacheBenchOptions {
  /** Distinct keys. @defaultValue 10000 */
  keys?: number;
  /** Measuring time per contender and case, ms. @defaultValue 3000 */
  durationMs?: number;
  /** Alternating slices it is cut into. @defaultValue 20 */
  rounds?: number;
  /** Keys per batch in the batched L2 cases. @defaultValue 100 */
  batch?: number;
}

const TTL_MS = 600_000;
const GOAL = 0.8;

/** A query-result-like value of about 400 bytes, different per key. */
function valueOf(i: number): Record<string, unknown> {
  return {
    id: `chunk-${i}`,
    docId: `doc-${i % 97}`,
    score: 1 / (1 + i),
    tags: ['python', 'reference', `section-${i % 13}`],
    text: `Section ${i}: the quick brown fox jumps over the lazy dog; `.repeat(5),
    metadata: { lang: 'en', page: i % 300, reviewed: i % 2 === 0 },
  };
}

/** Work done in one slice: operations (keys) and the time they took, ms. */
interface Slice {
  n: number;
  ms: number;
}

/** Index of the next operation, across slices, so that each slice goes on where the last stopped. */
let seq = 0;

/** Run `op` (sync) for about `ms`. */
function sliceSync(op: (i: number) => unknown, ms: number): Slice {
  let n = 0;
  let sink = 0;
  const t0 = performance.now();
  let t = t0;
  while (t - t0 < ms) {
    for (let k = 0; k < 64; k++, n++) if (op(seq++) !== undefined) sink++;
    t = performance.now();
  }
  if (sink === -1) console.log('unreachable');
  return { n, ms: t - t0 };
}

/** Run `op` (awaited one after the other) for about `ms`; each call counts `perOp` operations. */
async function sliceAsync(op: (i: number) => Promise<unknown>, ms: number, perOp = 1): Promise<Slice> {
  let n = 0;
  const t0 = performance.now();
  let t = t0;
  while (t - t0 < ms) {
    for (let k = 0; k < 16; k++, n++) await op(seq++);
    t = performance.now();
  }
  return { n: n * perOp, ms: t - t0 };
}

type Contender = (ms: number) => Promise<Slice>;

/**
 * Both contenders in many short alternating slices (A B B A ...), summed: a machine whose load
 * changes during the run slows both alike, which one long run each would not.
 */
async function pair(o: Required<CacheBenchOptions>, level: CacheBenchCase['level'], name: string, cacheOp: Contender, rawOp: Contender, goal: boolean, note = ''): Promise<CacheBenchCase> {
  await cacheOp(150);
  await rawOp(150); // warm-up, not counted
  const sum = { cache: { n: 0, ms: 0 }, raw: { n: 0, ms: 0 } };
  const add = (to: Slice, s: Slice) => {
    to.n += s.n;
    to.ms += s.ms;
  };
  const sliceMs = o.durationMs / o.rounds;
  for (let i = 0; i < o.rounds; i++) {
    if (i % 2 === 0) {
      add(sum.cache, await cacheOp(sliceMs));
      add(sum.raw, await rawOp(sliceMs));
    } else {
      add(sum.raw, await rawOp(sliceMs));
      add(sum.cache, await cacheOp(sliceMs));
    }
  }
  const cacheOpsPerSec = (sum.cache.n * 1000) / sum.cache.ms;
  const rawOpsPerSec = (sum.raw.n * 1000) / sum.raw.ms;
  return { level, name, cacheOpsPerSec, rawOpsPerSec, ratio: cacheOpsPerSec / rawOpsPerSec, goal, note };
}

async function measureL1(o: Required<CacheBenchOptions>, keys: string[], values: object[]): Promise<CacheBenchCase[]> {
  const cache = await Cache.open({ l1: { maxEntries: 2 * o.keys, maxBytes: 256 * 1024 * 1024, ttlMs: TTL_MS }, l3: { enabled: false }, levels: ['l1'], defaultTtlMs: TTL_MS });
  // The same bounds, TTL and size function as the cache's L1 (its per-entry overhead included).
  const lru = new LRUCache<string, object>({ max: 2 * o.keys, maxSize: 256 * 1024 * 1024, ttl: TTL_MS, sizeCalculation: (v, k) => 64 + k.length + estimateBytes(v) });
  const n = keys.length;
  const key = (i: number) => keys[(i * 7919) % n]!;
  for (let i = 0; i < n; i++) {
    await cache.set(keys[i]!, values[i]);
    lru.set(keys[i]!, values[i]!);
  }
  const cases = [
    await pair(o, 'L1', 'get: await cache.get vs await lru.get', (ms) => sliceAsync((i) => cache.get(key(i)), ms), (ms) => sliceAsync(async (i) => lru.get(key(i)), ms), true, 'both awaited'),
    await pair(o, 'L1', 'get: cache.peek vs lru.get (sync)', async (ms) => sliceSync((i) => cache.peek(key(i)), ms), async (ms) => sliceSync((i) => lru.get(key(i)), ms), true, 'both synchronous'),
    await pair(o, 'L1', 'get: await cache.get vs lru.get (sync)', (ms) => sliceAsync((i) => cache.get(key(i)), ms), async (ms) => sliceSync((i) => lru.get(key(i)), ms), false, 'the price of a Promise API'),
    await pair(o, 'L1', 'set: await cache.set vs await lru.set', (ms) => sliceAsync((i) => cache.set(key(i), values[(i * 7919) % n]), ms), (ms) => sliceAsync(async (i) => lru.set(key(i), values[(i * 7919) % n]!), ms), true, 'both awaited'),
  ];
  await cache.close();
  return cases;
}

async function measureL2(o: Required<CacheBenchOptions>, keys: string[], values: unknown[], url: string): Promise<CacheBenchCase[]> {
  // timeoutMs raised so that a GC pause on a loaded machine does not degrade L2 mid-measurement.
  const cache = await Cache.open({ l2: { url, keyPrefix: 'bench:', timeoutMs: 1_000 }, l3: { enabled: false }, levels: ['l2'], defaultTtlMs: TTL_MS });
  const raw = new Redis(url);
  const n = keys.length;
  const at = (i: number) => (i * 7919) % n;
  for (let i = 0; i < n; i++) {
    await cache.set(keys[i]!, values[i]);
    await raw.set(`raw:${keys[i]!}`, JSON.stringify(values[i]), 'PX', TTL_MS);
  }
  const rawGet = async (k: string) => {
    const s = await raw.get(`raw:${k}`);
    return s === null ? undefined : (JSON.parse(s) as unknown);
  };
  const batchOf = (i: number) => Array.from({ length: o.batch }, (_, j) => keys[at(i * o.batch + j)]!);
  const rawGetMany = async (ks: string[]) => {
    const res = await raw.mget(ks.map((k) => `raw:${k}`));
    return res.map((s) => (typeof s === 'string' ? (JSON.parse(s) as unknown) : undefined));
  };
  // A second baseline that stores the cache's own bytes (codec envelope), to tell the codec's cost
  // (msgpack with its safety scan, vs JSON) from the cache's (levels, timeouts, statistics).
  const codec = new Codec({ compressMinBytes: 1024 });
  const packed = (i: number) => codec.encodeValue({ v: values[i], x: Date.now() + TTL_MS }).body;
  for (let i = 0; i < n; i++) await raw.set(`rawc:${keys[i]!}`, Buffer.from(packed(i)), 'PX', TTL_MS);
  const rawcGet = async (k: string) => {
    const b = await raw.getBuffer(`rawc:${k}`);
    return b === null ? undefined : (codec.decodeValue(b) as { v: unknown }).v;
  };
  const rawcGetMany = async (ks: string[]) => (await raw.mgetBuffer(ks.map((k) => `rawc:${k}`))).map((b) => (b ? (codec.decodeValue(b) as { v: unknown }).v : undefined));
  const cases = [
    await pair(o, 'L2', 'get, one at a time', (ms) => sliceAsync((i) => cache.get(keys[at(i)]!), ms), (ms) => sliceAsync((i) => rawGet(keys[at(i)]!), ms), true, 'GET+codec vs GET+JSON.parse'),
    await pair(o, 'L2', 'set, one at a time', (ms) => sliceAsync((i) => cache.set(keys[at(i)]!, values[at(i)]), ms), (ms) => sliceAsync((i) => raw.set(`raw:${keys[at(i)]!}`, JSON.stringify(values[at(i)]), 'PX', TTL_MS), ms), true, 'codec vs JSON.stringify'),
    await pair(o, 'L2', `get, batches of ${o.batch}`, (ms) => sliceAsync((i) => cache.getMany(batchOf(i)), ms, o.batch), (ms) => sliceAsync((i) => rawGetMany(batchOf(i)), ms, o.batch), true, 'one MGET per batch on both sides'),
    await pair(
      o, 'L2', `set, ${o.batch} concurrent`,
      (ms) => sliceAsync((i) => Promise.all(batchOf(i).map((k, j) => cache.set(k, values[at(i * o.batch + j)]))), ms, o.batch),
      (ms) => sliceAsync((i) => Promise.all(batchOf(i).map((k, j) => raw.set(`raw:${k}`, JSON.stringify(values[at(i * o.batch + j)]), 'PX', TTL_MS))), ms, o.batch),
      true, 'Promise.all on both sides',
    ),
    await pair(o, 'L2', 'get, one at a time (raw + codec)', (ms) => sliceAsync((i) => cache.get(keys[at(i)]!), ms), (ms) => sliceAsync((i) => rawcGet(keys[at(i)]!), ms), true, 'same bytes on both sides'),
    await pair(o, 'L2', 'set, one at a time (raw + codec)', (ms) => sliceAsync((i) => cache.set(keys[at(i)]!, values[at(i)]), ms), (ms) => sliceAsync((i) => raw.set(`rawc:${keys[at(i)]!}`, Buffer.from(packed(at(i))), 'PX', TTL_MS), ms), true, 'same bytes on both sides'),
    await pair(o, 'L2', `get, batches of ${o.batch} (raw + codec)`, (ms) => sliceAsync((i) => cache.getMany(batchOf(i)), ms, o.batch), (ms) => sliceAsync((i) => rawcGetMany(batchOf(i)), ms, o.batch), true, 'same bytes on both sides'),
    await pair(
      o, 'L2', `set, ${o.batch} concurrent (raw + codec)`,
      (ms) => sliceAsync((i) => Promise.all(batchOf(i).map((k, j) => cache.set(k, values[at(i * o.batch + j)]))), ms, o.batch),
      (ms) => sliceAsync((i) => Promise.all(batchOf(i).map((k, j) => raw.set(`rawc:${k}`, Buffer.from(packed(at(i * o.batch + j))), 'PX', TTL_MS))), ms, o.batch),
      true, 'same bytes on both sides',
    ),
  ];
  const s = cache.stats().l2;
  if (s.enabled && (s.errors > 0 || s.hits === 0)) throw new Error(`L2 did not work during the benchmark: ${JSON.stringify(s)}`);
  raw.disconnect();
  await cache.close();
  return cases;
}

/** Run every case; starts and stops its own redis-server. */
export async function measureCache(opts: CacheBenchOptions = {}): Promise<CacheBenchCase[]> {
  const o: Required<CacheBenchOptions> = { keys: 10_000, durationMs: 3_000, rounds: 20, batch: 100, ...opts };
  const keys = Array.from({ length: o.keys }, (_, i) => `search:["query ${i}",{"k":10}]`);
  const values: object[] = keys.map((_, i) => valueOf(i));
  const l1 = await measureL1(o, keys, values);
  const redis = await startRedis();
  try {
    return [...l1, ...(await measureL2(o, keys, values, redis.url))];
  } finally {
    await redis[Symbol.asyncDispose]();
  }
}

/** The pipeline benchmark's corpus with cold caches, then warm ones (see the file comment). */
export interface WarmColdRun { cold: Figures; warm: Figures; ratio: number }

export async function measureWarmCold(): Promise<WarmColdRun> {
  const files = await corpus();
  await using services = await startBenchServices('cache');
  const redis = await startRedis();
  try {
    const env = { ...services.env, DOCFLOW_REDIS_URL: redis.url, DOCFLOW_CONFIG: join(services.dir, 'bench.yaml') };
    // As the pipeline benchmark (no knowledge branch), with the default cache levels and TTLs.
    writeFileSync(env.DOCFLOW_CONFIG, 'knowledge:\n  enabled: false\n');
    const t = await Transport.connect(loadConfig({ env }));
    try {
      const runOnce = async (idPrefix: string) => {
        const up = startDocflow(env);
        try {
          await waitReady(t);
          return await pipelineRun(t, files, 1, 'cachebench', idPrefix);
        } finally {
          await up.stop();
        }
      };
      const cold = await runOnce('cold');
      const warm = await runOnce('warm');
      return { cold, warm, ratio: rate(warm).docsPerSec / rate(cold).docsPerSec };
    } finally {
      await t.close();
    }
  } finally {
    await redis[Symbol.asyncDispose]();
  }
}

export function formatWarmCold(r: WarmColdRun): string {
  const line = (name: string, f: Figures) => `  ${name.padEnd(44)} ${rate(f).docsPerSec.toFixed(1).padStart(8)} docs/s ${rate(f).chunksPerSec.toFixed(0).padStart(7)} chunks/s  (${f.docs} docs, ${f.chunks} chunks, ${f.seconds.toFixed(1)} s)`;
  return [
    'pipeline re-run: the python3.11-doc corpus through `docflow up` (hash embedder, Redis as L2), cold then warm',
    line('cold caches', r.cold),
    line('warm caches (new ids, fresh process: L2/L3)', r.warm),
    `  warm / cold (docs/s): ${r.ratio.toFixed(2)}x`,
  ].join('\n');
}

/** The table `node dist/bench/cache.js` prints. */
export function formatCacheBench(cases: CacheBenchCase[]): string {
  const n = (x: number) => Math.round(x).toLocaleString('en-US');
  const lines = [
    'cache benchmark: docflow Cache vs the raw client on the same data (~400-byte values, 10k keys), one process',
    `  node ${process.version}, ${availableParallelism()} CPUs, load average ${loadavg().map((l) => l.toFixed(2)).join(' ')}`,
    '  L1 raw = lru-cache with the same max, maxSize, ttl and size function; L2 raw = ioredis, values as JSON',
    '  (raw + codec) rows: ioredis storing the same codec bytes as the cache, to separate codec cost from cache cost',
    '  each case: 20 alternating slices per contender, 3 s each in total; on a loaded machine (see load average) expect +-15% between runs',
    '',
    `  ${'level'.padEnd(5)} ${'case'.padEnd(44)} ${'cache ops/s'.padStart(12)} ${'raw ops/s'.padStart(12)} ${'ratio'.padStart(6)}  note`,
  ];
  for (const c of cases) {
    lines.push(`  ${c.level.padEnd(5)} ${c.name.padEnd(44)} ${n(c.cacheOpsPerSec).padStart(12)} ${n(c.rawOpsPerSec).padStart(12)} ${c.ratio.toFixed(2).padStart(6)}  ${c.note}`);
  }
  lines.push('');
  for (const c of cases.filter((x) => x.goal)) {
    lines.push(`  ${c.level} ${c.name}: ratio ${c.ratio.toFixed(2)} GOAL >= ${GOAL}: ${c.ratio >= GOAL ? 'PASS' : 'MISS'}`);
  }
  return lines.join('\n');
}

async function main(): Promise<void> {
  console.log(formatCacheBench(await measureCache()));
  if (process.env['BENCH_PIPELINE'] !== '0') {
    console.log('');
    console.log(formatWarmCold(await measureWarmCold()));
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  main().catch((err: unknown) => {
    console.error(err);
    process.exitCode = 1;
  });
}
