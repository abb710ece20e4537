/**
 * Runtime benchmark: the stage runner (pull, decode, handle on worker threads, publish, ack) against
 * the same 1 ms CPU handler called in a plain loop, in one process, on one nats-server.
 * Run: npm run bench:runtime
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { loadConfig, PACKAGE_ROOT, stageSettings } from '../src/config/load.js';
import { startNatsServer } from '../src/embedded/nats-server.js';
import { silentLogger } from '../src/log.js';
import { Ingest } from '../src/messages/index.js';
import { WorkerPool } from '../src/pool/index.js';
import { StageRunner } from '../src/runtime/stage/runner.js';
import type { StageDefinition } from '../src/runtime/stage/types.js';
import { Transport } from '../src/transport/index.js';
import { spin } from './spin.js';

const TASK_MS = 1;
const STREAMS = {
  'streams.WORK': { subjects: ['work.in'], retention: 'workqueue', storage: 'file', replicas: 1, maxAgeMs: 0, maxBytes: -1, duplicateWindowMs: 120000 },
  'streams.OUT': { subjects: ['work.out'], retention: 'workqueue', storage: 'file', replicas: 1, maxAgeMs: 0, maxBytes: -1, duplicateWindowMs: 120000 },
  'consumers.spin': { stream: 'WORK', filterSubject: 'work.in', ackWaitMs: 30000, maxDeliver: 3, maxAckPending: 10000 },
};

export interface RuntimeBenchResult { messages: number; loopPerSec: number; runtime1PerSec: number; runtime2PerSec: number; speedup2: number; overheadMsPerMsg: number }

export async function benchRuntime(n = 2_000): Promise<RuntimeBenchResult> {
  const t0 = performance.now();
  for (let i = 0; i < n; i++) spin(TASK_MS);
  const loopPerSec = n / ((performance.now() - t0) / 1000);
  const dir = mkdtempSync(join(tmpdir(), 'docflow-bench-'));
  const server = await startNatsServer({ configFile: resolve(PACKAGE_ROOT, 'nats-server.conf'), workDir: dir });
  try {
    const runtime1PerSec = await throughRuntime(server.url, n, 1);
    const runtime2PerSec = await throughRuntime(server.url, n, 2);
    return { messages: n, loopPerSec, runtime1PerSec, runtime2PerSec, speedup2: runtime2PerSec / loopPerSec, overheadMsPerMsg: 1000 / runtime1PerSec - 1000 / loopPerSec };
  } finally {
    await server.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

async function throughRuntime(url: string, n: number, threads: number): Promise<number> {
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
  await runner.start();
  while (runner.stats().processed < n) await new Promise((r) => setTimeout(r, 5));
  const rate = n / ((performance.now() - start) / 1000);
  await runner.stop();
  await pool.close();
  await t.close();
  return rate;
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
}

if (import.meta.url === `file://${process.argv[1]}`) {
  main().catch((err: unknown) => {
    console.error(err);
    process.exitCode = 1;
  });
}
