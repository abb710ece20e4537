/**
 * Transport benchmark: 1 KiB documents through publish → JetStream → pull consume → ack, against plain
 * core NATS publish/subscribe of the same encoded messages, on the same nats-server, in one run.
 * Run: npm run bench:transport
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { startNatsServer } from '../src/embedded/nats-server.js';
import { loadConfig, PACKAGE_ROOT } from '../src/config/load.js';
import { Transport } from '../src/transport/index.js';
import { Ingest } from '../src/messages/index.js';

export interface TransportBenchResult { messages: number; coreMsgsPerSec: number; jetstreamMsgsPerSec: number; ratio: number }

const DOC = 'docflow transport benchmark '.repeat(40).slice(0, 1024);

export async function benchTransport(opts: { coreMessages?: number; jsMessages?: number } = {}): Promise<TransportBenchResult> {
  const coreN = opts.coreMessages ?? 100_000;
  const jsN = opts.jsMessages ?? 30_000;
  const dir = mkdtempSync(join(tmpdir(), 'docflow-bench-'));
  const server = await startNatsServer({ configFile: resolve(PACKAGE_ROOT, 'nats-server.conf'), workDir: dir });
  try {
    const config = loadConfig({ env: {}, overrides: { 'nats.servers': [server.url], subjectPrefix: 'bench', 'log.level': 'silent' } });
    const t = await Transport.connect(config);
    await t.ensureTopology();
    try {
      const core = await coreRate(t, coreN);
      const js = await jetstreamRate(t, jsN);
      return { messages: jsN, coreMsgsPerSec: core, jetstreamMsgsPerSec: js, ratio: js / core };
    } finally {
      await t.close();
    }
  } finally {
    await server.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

async function coreRate(t: Transport, n: number): Promise<number> {
  const subject = t.subject('bench.core');
  let received = 0;
  const done = new Promise<void>((res) => {
    void (async () => {
      for await (const m of t.subscribe(subject, Ingest)) {
        if (m.error) throw m.error;
        if (++received === n) return res();
      }
    })();
  });
  await t.nc.flush();
  const t0 = performance.now();
  for (let i = 0; i < n; i++) {
    t.publishCore(subject, Ingest, { id: `d${i}`, text: DOC });
    if (i % 1000 === 999) await t.nc.flush(); // let the subscriber keep up, as a real consumer would
  }
  await done;
  return n / ((performance.now() - t0) / 1000);
}

async function jetstreamRate(t: Transport, n: number): Promise<number> {
  const subject = t.subject('ingest');
  const t0 = performance.now();
  const consumed = (async () => {
    const pull = await t.pull('load', Ingest, { maxMessages: 1024, maxBytes: 8 << 20 });
    let count = 0;
    const acks: Promise<void>[] = [];
    for await (const d of pull) {
      if (d.error) throw d.error;
      acks.push(d.ack());
      if (acks.length >= 512) await Promise.all(acks.splice(0));
      if (++count === n) break;
    }
    await Promise.all(acks);
    await pull.close();
  })();
  const published: Promise<unknown>[] = [];
  for (let i = 0; i < n; i++) published.push((await t.send(subject, Ingest, { id: `d${i}`, text: DOC })).acked);
  await Promise.all(published);
  await consumed;
  return n / ((performance.now() - t0) / 1000);
}

async function main(): Promise<void> {
  const r = await benchTransport();
  const f = (x: number) => Math.round(x).toLocaleString('en-US');
  console.log('transport benchmark: 1 KiB documents, one nats-server on loopback, one process');
  console.log(`  core NATS publish/subscribe            ${f(r.coreMsgsPerSec).padStart(10)} msgs/s`);
  console.log(`  JetStream publish → pull → ack          ${f(r.jetstreamMsgsPerSec).padStart(10)} msgs/s  (${r.messages} messages, window 256, credit 1024)`);
  console.log(`  ratio JetStream / core                  ${r.ratio.toFixed(3)}`);
}

if (import.meta.url === `file://${process.argv[1]}`) {
  main().catch((err: unknown) => {
    console.error(err);
    process.exitCode = 1;
  });
}
