/**
 * Runtime benchmark: the stage runner (pull, decode, handle on worker threads, publish, ack) against
 * the same 1 ms CPU handler called in a plain loop, in one process, on one nats-server.
 * Run: npm run bench:runtime
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { loadConfig, PACKAGE_ROOT, stageSettings } from '../src/config/load.js';
import { startNatsServer } from '../src/embedded/nats-server.js';
import { silentLogger } from '../src/log.js';
import { Ingest } from '../src/messages/index.js';
import { WorkerPool } from '../src/pool/index.js';
import { StageRunner } from '../src/runtime/stage/runner.js';
import type { StageDefinition } from '../src/runtime/stage/types.js';
import { Transport } from '../src/transport/index.js';
import { machineBusyMs, statCpuMs } from './cpu.js';
import { spin } from './spin.js';

const TASK_MS = 1;
const STREAMS = {
  'streams.WORK': { subjects: ['work.in'], retention: 'workqueue', storage: 'file', replicas: 1, maxAgeMs: 0, maxBytes: -1, duplicateWindowMs: 120000 },
  'streams.OUT': { subjects: ['work.out'], retention: 'workqueue', storage: 'file', replicas: 1, maxAgeMs: 0, maxBytes: -1, duplicateWindowMs: 120000 },
  'consumers.spin': { stream: 'WORK', filterSubject: 'work.in', ackWaitMs: 30000, maxDeliver: 3, maxAckPending: 10000 },
};

/** CPU time per message of each party while the stage runner ran, ms; `othersShare`: of the machine. */
export interface CpuPerMessage { mainMs: number; workersMs: number; serverMs: number; othersShare: number }

export interface RuntimeBenchResult {
  messages: number; loopPerSec: number; runtime1PerSec: number; runtime2PerSec: number; speedup2: number; overheadMsPerMsg: number;
  cpu1: CpuPerMessage; cpu2: CpuPerMessage;
  /** Share of the machine's CPU that other processes used while the plain loop ran, 0..1. */
  loopOthersShare: number;
}

interface CpuSnapshot { at: number; main: number; all: number; server: number; machine: number }

/** CPU used by the main thread, by this process's other threads (the workers), by nats-server and by the machine. */
function cpuSnapshot(serverPid?: number): CpuSnapshot {
  const u = process.cpuUsage();
  return {
    at: performance.now(),
    main: statCpuMs(`/proc/self/task/${process.pid}/stat`) ?? 0,
    all: (u.user + u.system) / 1000,
    server: serverPid === undefined ? 0 : statCpuMs(`/proc/${serverPid}/stat`) ?? 0,
    machine: machineBusyMs(),
  };
}

/**
 * What other processes used of the machine between two snapshots, 0..1: other work on this 2-core
 * box slows every figure here down, so the bench says how much there was.
 */
function othersShare(a: CpuSnapshot, b: CpuSnapshot): number {
  const wallMs = b.at - a.at;
  const ours = b.all - a.all + (b.server - a.server);
  return wallMs <= 0 ? 0 : Math.max(0, (b.machine - a.machine - ours) / (wallMs * availableParallelism()));
}

export async function benchRuntime(n = 2_000): Promise<RuntimeBenchResult> {
  const before = cpuSnapshot();
  const t0 = performance.now();
  for (let i = 0; i < n; i++) spin(TASK_MS);
  const loopPerSec = n / ((performance.now() - t0) / 1000);
  const loopOthersShare = othersShare(before, cpuSnapshot());
  const dir = mkdtempSync(join(tmpdir(), 'docflow-bench-'));
  const server = await startNatsServer({ configFile: resolve(PACKAGE_ROOT, 'nats-server.conf'), workDir: dir });
  try {
    const r1 = await throughRuntime(server.url, n, 1, server.pid());
    const r2 = await throughRuntime(server.url, n, 2, server.pid());
    return {
      messages: n, loopPerSec, runtime1PerSec: r1.rate, runtime2PerSec: r2.rate, speedup2: r2.rate / loopPerSec,
      overheadMsPerMsg: 1000 / r1.rate - 1000 / loopPerSec, cpu1: r1.cpu, cpu2: r2.cpu, loopOthersShare,
    };
  } finally {
    await server.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

async function throughRuntime(url: string, n: number, threads: number, serverPid: number | undefined): Promise<{ rate: number; cpu: CpuPerMessage }> {
  const config = loadConfig({ env: {}, overrides: { ...STREAMS, 'nats.servers': [url], subjectPrefix: `bench${threads}`, 'log.level': 'silent' } });
  const t = await Transport.connect(config);
  await t.ensureTopology();
  const pool = new WorkerPool({ filename: new URL('../test/fixtures/workers/spin-worker.js', import.meta.url), name: 'spin', threads, maxQueue: 64 });
  const def: StageDefinition<typeof Ingest, typeof Ingest> = {
    name: 'spin', consumer: 'spin', stream: 'WORK', input: Ingest, output: Ingest,
    actor: { name: 'spin', handle: async (m, ctx) => [{ id: await pool.run<string>({ id: m.id, ms: TASK_MS }, { signal: ctx.signal }), text: 'done' }] },
    route: (out) => ({ subject: t.subject('work.out'), message: out }),
    docId: () => undefined,
  };
  // Warm the threads so their start-up is not measured.
  await Promise.all(Array.from({ length: threads * 4 }, (_, i) => pool.run({ id: `w${i}`, ms: 1 })));
  const pubs: Promise<unknown>[] = [];
  for (let i = 0; i < n; i++) pubs.push((await t.send(t.subject('work.in'), Ingest, { id: `d${i}`, text: 'x' })).acked);
  await Promise.all(pubs);
  const runner = new StageRunner(def, t, { ...stageSettings(config, 'spin'), concurrency: Number(process.env.BENCH_CONCURRENCY ?? threads * 4) }, silentLogger);
  const start = performance.now();
  const before = cpuSnapshot(serverPid);
  await runner.start();
  while (runner.stats().processed < n) await new Promise((r) => setTimeout(r, 5));
  const rate = n / ((performance.now() - start) / 1000);
  const after = cpuSnapshot(serverPid);
  const cpu = {
    mainMs: (after.main - before.main) / n,
    workersMs: (after.all - before.all - (after.main - before.main)) / n,
    serverMs: (after.server - before.server) / n,
    othersShare: othersShare(before, after),
  };
  await runner.stop();
  await pool.close();
  await t.close();
  return { rate, cpu };
}

async function main(): Promise<void> {
  const r = await benchRuntime();
  const f = (x: number) => Math.round(x).toLocaleString('en-US').padStart(8);
  console.log(`runtime benchmark: ${r.messages} messages, a ${TASK_MS} ms CPU task each, one process`);
  console.log(`  plain loop, main thread                 ${f(r.loopPerSec)} msgs/s`);
  console.log(`  stage runner, 1 worker thread           ${f(r.runtime1PerSec)} msgs/s`);
  console.log(`  stage runner, 2 worker threads          ${f(r.runtime2PerSec)} msgs/s`);
  console.log(`  ratio 2 threads / loop                  ${r.speedup2.toFixed(2)}x   (goal >= 1.6: ${r.speedup2 >= 1.6 ? 'PASS' : 'MISS'})`);
  console.log(`  overhead per message (1 thread - loop)  ${r.overheadMsPerMsg.toFixed(3)} ms (goal < 0.3: ${r.overheadMsPerMsg < 0.3 ? 'PASS' : 'MISS'})`);
  const c = (x: CpuPerMessage) => `main thread ${x.mainMs.toFixed(3)}, worker threads ${x.workersMs.toFixed(3)}, nats-server ${x.serverMs.toFixed(3)}`;
  console.log(`  CPU per message, ms (1 thread)          ${c(r.cpu1)}`);
  console.log(`  CPU per message, ms (2 threads)         ${c(r.cpu2)}`);
  // What the machine could give if docflow's own overhead were nil: each message still costs the
  // task's CPU and nats-server's (deliver, ack, store the output, confirm it) on the same cores.
  const cores = availableParallelism();
  const taskMs = 1000 / r.loopPerSec;
  const ceiling = (cores * 1000) / (taskMs + r.cpu2.serverMs);
  console.log(`  ceiling on ${cores} cores, no overhead but nats-server's  ${f(ceiling)} msgs/s = ${(ceiling / r.loopPerSec).toFixed(2)}x the loop (${cores} x 1000 / (task ${taskMs.toFixed(3)} + nats-server ${r.cpu2.serverMs.toFixed(3)} ms))`);
  const pct = (x: number) => `${Math.round(x * 100)}%`;
  console.log(`  other processes' share of the CPU       loop ${pct(r.loopOthersShare)}, 1 thread ${pct(r.cpu1.othersShare)}, 2 threads ${pct(r.cpu2.othersShare)}${Math.max(r.loopOthersShare, r.cpu1.othersShare, r.cpu2.othersShare) > 0.05 ? '  (busy machine: the figures above are low)' : ''}`);
}

if (import.meta.url === `file://${process.argv[1]}`) {
  main().catch((err: unknown) => {
    console.error(err);
    process.exitCode = 1;
  });
}
