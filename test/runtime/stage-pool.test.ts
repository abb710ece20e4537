import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { stageSettings } from '../../src/config/load.js';
import { silentLogger } from '../../src/log.js';
import { Ingest } from '../../src/messages/index.js';
import { WorkerPool } from '../../src/pool/index.js';
import { StageRunner } from '../../src/runtime/stage/runner.js';
import { Transport } from '../../src/transport/index.js';
import { useNats } from '../harness/nats.js';
import { readStream, streamCount, waitFor } from '../harness/streams.js';
import { upperStage, WORK_STREAMS } from '../fixtures/upper-stage.js';

describe('a stage on worker threads whose thread is killed mid-task (real nats-server)', function () {
  this.timeout(60_000);
  const server = useNats();

  it('retries the killed task on a fresh thread: every message processed once, none lost', async () => {
    const nats = server();
    const cfg = nats.config(WORK_STREAMS);
    const t = await Transport.connect(cfg);
    await t.ensureTopology();
    const pool = new WorkerPool({ filename: new URL('../fixtures/workers/upper-worker.js', import.meta.url), name: 'upper', threads: 2 });
    const stage = upperStage((rel) => t.subject(rel));
    stage.actor = { name: 'upper', handle: async (msg, ctx) => [{ id: msg.id!, text: await pool.run<string>({ text: msg.text ?? '' }, { signal: ctx.signal }) }] };
    const n = 60;
    for (let i = 0; i < n; i++) await t.publish(t.subject('work.in'), Ingest, { id: `w${i}`, text: 'slow:40' });
    const runner = new StageRunner(stage, t, { ...stageSettings(cfg, 'upper'), concurrency: 2, retryBaseDelayMs: 20 }, silentLogger);
    await runner.start();
    for (let kill = 0; kill < 3; kill++) {
      await sleep(250);
      await pool.threads[0]?.terminate();
    }
    await waitFor(`${n} outputs`, async () => (await streamCount(t, 'OUT')) === n, 30_000);
    const ids = (await readStream(t, 'OUT', Ingest)).map((o) => o.message.id);
    assert.equal(new Set(ids).size, n);
    assert.equal(await streamCount(t, 'DLQ'), 0);
    assert.ok(runner.stats().retried >= 1, 'no task was retried: the kill did not hit a running task');
    await runner.stop();
    await pool.close();
    await t.close();
  });
});
