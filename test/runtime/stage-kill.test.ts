import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { DeadLetter, Ingest, Result } from '../../src/messages/index.js';
import { Transport } from '../../src/transport/index.js';
import { useNats } from '../harness/nats.js';
import { readStream, streamCount, waitFor } from '../harness/streams.js';
import { WORK_STREAMS } from '../fixtures/upper-stage.js';

const STAGE_PROCESS = fileURLToPath(new URL('../fixtures/stage-process.js', import.meta.url));

describe('a stage process killed with SIGKILL (real nats-server)', function () {
  this.timeout(120_000);
  const server = useNats();

  it('loses no message: every good one is processed once, the one that kills its worker is dead-lettered', async () => {
    const nats = server();
    const config = nats.config(WORK_STREAMS);
    const t = await Transport.connect(config);
    await t.ensureTopology();
    const n = 120;
    await Promise.all(Array.from({ length: n }, (_, i) => t.publish(t.subject('work.in'), Ingest, { id: `d${i}`, text: i === 40 ? 'crash' : `slow:${i % 7 === 0 ? 40 : 5}` })));

    const env = {
      ...process.env,
      DOCFLOW_TEST_OVERRIDES: JSON.stringify({ ...WORK_STREAMS, 'nats.servers': [nats.url], subjectPrefix: config.subjectPrefix, 'log.level': 'silent' }),
      DOCFLOW_TEST_SETTINGS: JSON.stringify({ concurrency: 1, progressIntervalMs: 500, drainGraceMs: 200 }),
    };
    let child: ChildProcess | undefined;
    let spawned = 0;
    let stopping = false;
    // The test plays the supervisor: whenever the stage process dies, start another.
    const spawnStage = async (): Promise<void> => {
      const c = spawn(process.execPath, [STAGE_PROCESS], { env, stdio: ['ignore', 'pipe', 'inherit'] });
      child = c;
      spawned++;
      c.on('exit', () => { if (!stopping && child === c) void spawnStage(); });
      await once(c.stdout!, 'data');
    };
    await spawnStage();
    // Two kills from outside, mid-run, besides the three the crash document causes.
    for (const delay of [700, 1500]) {
      await sleep(delay);
      child?.kill('SIGKILL');
    }
    await waitFor(`${n - 1} outputs and 1 dead letter`, async () => (await streamCount(t, 'OUT')) === n - 1 && (await streamCount(t, 'DLQ')) === 1, 90_000, 200);
    stopping = true;
    child?.kill('SIGTERM');

    const outputs = await readStream(t, 'OUT', Ingest);
    const ids = outputs.map((o) => o.message.id);
    assert.equal(new Set(ids).size, n - 1, 'an output was written twice (de-duplication failed)');
    assert.ok(!ids.includes('d40'));
    const [dl] = await readStream(t, 'DLQ', DeadLetter);
    assert.equal(dl!.message.error.code, 'ERR_STAGE_CRASHED');
    assert.equal(dl!.message.docId, 'd40');
    assert.equal(dl!.message.attempt, 3);
    assert.equal(t.codec.decode(Ingest, dl!.message.original, dl!.message.originalHeaders ?? {}).text, 'crash');
    const failed = (await readStream(t, 'RESULTS', Result)).filter((r) => r.message.status === 'failed');
    assert.deepEqual(failed.map((f) => f.message.docId), ['d40']);
    await waitFor('work queue empty', async () => (await streamCount(t, 'WORK')) === 0, 10_000);
    assert.ok(spawned >= 4, `expected a new stage process after each of the 3 crashes, saw ${spawned} processes`);
    await t.close();
  });
});
