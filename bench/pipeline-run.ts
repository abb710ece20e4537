/**
 * What the pipeline benchmarks share: the python3.11-doc corpus, the services (nats-server,
 * PostgreSQL, Chroma) started once in a temp dir, `docflow up` as a child process against them,
 * and one ingest run measured from the first publish to the last terminal result.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createHash } from 'node:crypto';
import { chmodSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { glob } from 'tinyglobby';
import { PACKAGE_ROOT } from '../src/config/load.js';
import { IngestRun } from '../src/client/ingest-run.js';
import { startChroma } from '../src/embedded/chroma.js';
import { startNatsServer } from '../src/embedded/nats-server.js';
import { startPostgres } from '../src/embedded/postgres.js';
import { StatusReply, StatusRequest } from '../src/messages/index.js';
import type { Transport } from '../src/transport/index.js';

export const CORPUS_DIR = '/usr/share/doc/python3.11/html';
const CLI = resolve(PACKAGE_ROOT, 'dist/src/cli/main.js');

export interface CorpusFile { path: string; size: number }
export interface Figures { docs: number; chunks: number; bytes: number; seconds: number }

export const rate = (f: Figures) => ({ docsPerSec: f.docs / f.seconds, chunksPerSec: f.chunks / f.seconds, mbPerSec: f.bytes / 1048576 / f.seconds });

/** The corpus's HTML pages, sorted (BENCH_DOCS=n keeps the first n); reading them warms the page cache. */
export async function corpus(): Promise<CorpusFile[]> {
  const files = (await glob('**/*.html', { cwd: CORPUS_DIR, absolute: true })).sort();
  const limit = Number(process.env['BENCH_DOCS'] ?? files.length);
  const out = [];
  for (const path of files.slice(0, limit)) out.push({ path, size: (await readFile(path)).byteLength });
  return out;
}

/** nats-server, PostgreSQL and Chroma in one temp dir, and the env that points docflow at them. */
export interface BenchServices extends AsyncDisposable {
  dir: string;
  natsUrl: string;
  pgUrl: string;
  chromaUrl: string;
  /** DOCFLOW_* variables for a `docflow up` child (add DOCFLOW_CONFIG for the run's own settings). */
  env: Record<string, string>;
}

export async function startBenchServices(prefix: string): Promise<BenchServices> {
  const dir = mkdtempSync(join(tmpdir(), `docflow-bench-${prefix}-`));
  chmodSync(dir, 0o711); // as root, PostgreSQL runs as `postgres` and must be able to enter it
  const nats = await startNatsServer({ configFile: resolve(PACKAGE_ROOT, 'nats-server.conf'), workDir: join(dir, 'nats') });
  const pg = await startPostgres({ dataDir: join(dir, 'pg'), port: 0 });
  const chroma = await startChroma({ dataDir: join(dir, 'chroma'), port: 0 });
  return {
    dir, natsUrl: nats.url, pgUrl: pg.url, chromaUrl: chroma.url,
    env: {
      DOCFLOW_NATS_URL: nats.url, DOCFLOW_POSTGRES_URL: pg.url, DOCFLOW_CHROMA_URL: chroma.url, DOCFLOW_LOAD_ROOTS: CORPUS_DIR,
      DOCFLOW_METRICS_PORT: '0', DOCFLOW_LOG_LEVEL: 'warn', DOCFLOW_SUBJECT_PREFIX: 'bench', DOCFLOW_DATA_DIR: join(dir, 'data'),
    },
    async [Symbol.asyncDispose]() {
      await chroma.stop();
      await pg.stop();
      await nats.stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** `docflow up` as users run it, in a child process. */
export function startDocflow(env: Record<string, string>): { child: ChildProcess; stop(): Promise<void> } {
  const child = spawn(process.execPath, [CLI, 'up'], { env: { ...process.env, ...env }, stdio: ['ignore', 'ignore', 'inherit'] });
  const stop = async () => {
    if (child.exitCode !== null) return;
    const exited = new Promise((r) => child.once('exit', r));
    child.kill('SIGTERM');
    await Promise.race([exited, sleep(15_000).then(() => child.kill('SIGKILL'))]);
  };
  return { child, stop };
}

/** Until `docflow.status` shows at least `stages` running stages (60 s at most). */
export async function waitReady(t: Transport, stages = 5): Promise<void> {
  for (let i = 0; i < 300; i++) {
    try {
      const s = await t.request(t.subject('status'), StatusRequest, {}, StatusReply);
      if (s.stages.filter((st) => st.state === 'running').length >= stages) return;
    } catch { /* not up yet */ }
    await sleep(200);
  }
  throw new Error('docflow did not come up in 60 s');
}

/** A memory figure of /proc/<pid>/status (VmHWM, VmRSS, ...), bytes; undefined when absent. Throws when the process is gone. */
function statusBytes(pid: number, field: 'VmHWM' | 'VmRSS'): number | undefined {
  const m = new RegExp(`${field}:\\s+(\\d+) kB`).exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return m ? Number(m[1]) * 1024 : undefined;
}

/** Peak resident set of a process and its threads (VmHWM), bytes. */
export function peakRss(pid: number): number {
  return statusBytes(pid, 'VmHWM') ?? 0;
}

/** Sample a process's RSS (VmRSS) every `everyMs` until `stop()`, which returns [seconds, bytes] pairs. */
export function sampleRss(pid: number, everyMs = 250): { stop(): Array<[number, number]> } {
  const t0 = performance.now();
  const points: Array<[number, number]> = [];
  const read = (): void => {
    try {
      const rss = statusBytes(pid, 'VmRSS');
      if (rss !== undefined) points.push([(performance.now() - t0) / 1000, rss]);
    } catch {
      // the process is gone: the series ends
    }
  };
  read();
  const timer = setInterval(read, everyMs);
  return { stop: () => { clearInterval(timer); read(); return points; } };
}

/**
 * Publish the corpus `copies` times (ids from `idPrefix` and the path, so that runs under different
 * prefixes are new documents) and wait for every terminal result.
 */
export async function pipelineRun(t: Transport, files: CorpusFile[], copies: number, collection: string, idPrefix = 'c'): Promise<Figures> {
  const run = new IngestRun(t, { collection });
  await run.ready();
  const t0 = performance.now();
  const items = [];
  for (let k = 0; k < copies; k++) {
    for (const f of files) items.push({ msg: { uri: `file://${f.path}`, id: `${idPrefix}${k}-${createHash('sha256').update(f.path).digest('hex').slice(0, 20)}` }, source: f.path });
  }
  await run.publish(items);
  await run.done;
  const seconds = (performance.now() - t0) / 1000;
  const f = run.figures();
  run.close();
  if (f.failed > 0) {
    const failed = [...run.docs.values()].filter((d) => d.status === 'failed').slice(0, 5);
    console.log(`  note: ${f.failed} document(s) failed, e.g. ${failed.map((d) => `${d.source}: ${d.error?.code}`).join('; ')}`);
  }
  const bytes = files.reduce((a, b) => a + b.size, 0) * copies;
  return { docs: f.total, chunks: f.chunks, bytes, seconds };
}
