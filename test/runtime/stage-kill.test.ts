import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { DeadLetter, Ingest, Result } from '../../src/messages/index.js';
import { Transport } from '../../src/transport/index.js';
import type { Config } from '../../src/config/load.js';
import { useNats } from '../harness/nats.js';
import { readStream, streamCount, waitFor } from '../harness/streams.js';
import { WORK_STREAMS } from '../fixtures/upper-stage.js';

const STAGE_PROCESS = fileURLToPath(new URL('../fixtures/stage-process.js', import.meta.url));

describe('a stage process killed with SIGKILL (real nats-server)', function () {
  this.timeout(120_000);
  const server = useNats();

  /** The test plays the supervisor: whenever the stage process dies, it starts another after `respawnMs`. */
  function stageProcesses(env: NodeJS.ProcessEnv, respawnMs = 0) {
    let child: ChildProcess | undefined;
    let spawned = 0;
    let stopping = false;
    const spawnStage = async (): Promise<void> => {
      const c = spawn(process.execPath, [STAGE_PROCESS], { env, stdio: ['ignore', 'pipe', 'inherit'] });
      child = c;
      spawned++;
      c.on('exit', () => { if (!stopping && child === c) setTimeout(() => void spawnStage(), respawnMs); });
      await once(c.stdout!, 'data');
    };
    return {
      start: spawnStage,
      kill: () => child?.kill('SIGKILL'),
      get spawned() { return spawned; },
      stop: () => { stopping = true; child?.kill('SIGTERM'); },
    };
  }

  function stageEnv(config: Readonly<Config>, url: string): NodeJS.ProcessEnv {
    return {
      ...process.env,
      DOCFLOW_TEST_OVERRIDES: JSON.stringify({ ...WORK_STREAMS, 'nats.servers': [url], subjectPrefix: config.subjectPrefix, 'log.level': 'silent' }),
      DOCFLOW_TEST_SETTINGS: JSON.stringify({ concurrency: 1, progressIntervalMs: 500, drainGraceMs: 200 }),
    };
  }

  it('loses no message: every good one is processed once, the one that kills its worker is dead-lettered', async () => {
    const nats = server();
    const config = nats.config(WORK_STREAMS);
    const t = await Transport.connect(config);
    await t.ensureTopology();
    const n = 120;
    await Promise.all(Array.from({ length: n }, (_, i) => t.publish(t.subject('work.in'), Ingest, { id: `d${i}`, text: i === 40 ? 'crash' : `slow:${i % 7 === 0 ? 40 : 5}` })));

    const stage = stageProcesses(stageEnv(config, nats.url));
    await stage.start();
    // Two kills from outside, mid-run, besides the three the crash document causes.
    for (const delay of [700, 1500]) {
      await sleep(delay);
      stage.kill();
    }
    await waitFor(`${n - 1} outputs and 1 dead letter`, async () => (await streamCount(t, 'OUT')) === n - 1 && (await streamCount(t, 'DLQ')) === 1, 90_000, 200).catch(async (err: Error) => {
      // say what there was instead (a loaded clean-clone run timed out here once): which documents were dead-lettered, after how many deliveries
      const dead = (await readStream(t, 'DLQ', DeadLetter)).map((d) => `${d.message.docId} ${d.message.error.code} after ${d.message.attempt}`);
      throw new Error(`${err.message}: ${await streamCount(t, 'OUT')} outputs, ${await streamCount(t, 'WORK')} in the work queue, ${stage.spawned} stage processes, dead letters: ${dead.join('; ') || 'none'}`);
    });
    // Every input acknowledged, so the work queue let go of it. Checked before the stage stops: a
    // stage acks an input after its output and result are stored, and a stop (200 ms grace here)
    // right after the last output could cut that ack off (a clean clone's loaded run saw it).
    await waitFor('work queue empty', async () => (await streamCount(t, 'WORK')) === 0, 10_000);
    stage.stop();

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
    assert.ok(stage.spawned >= 4, `expected a new stage process after each of the 3 crashes, saw ${stage.spawned} processes`);
    await t.close();
  });

  it('dead-letters a message that used up its deliveries while no worker of the stage was running', async () => {
    // The stage comes back only after the ack wait (2 s): the last delivery expires while nothing runs.
    const nats = server();
    const config = nats.config(WORK_STREAMS);
    const t = await Transport.connect(config);
    await t.ensureTopology();
    await t.publish(t.subject('work.in'), Ingest, { id: 'killer', text: 'crash' });
    const stage = stageProcesses(stageEnv(config, nats.url), 3_000);
    await stage.start();
    await waitFor('the message dead-lettered', async () => (await streamCount(t, 'DLQ')) === 1, 60_000, 200);
    await t.publish(t.subject('work.in'), Ingest, { id: 'after', text: 'fine' });
    await waitFor('the next message processed', async () => (await streamCount(t, 'OUT')) === 1, 30_000, 100);
    stage.stop();
    const [dl] = await readStream(t, 'DLQ', DeadLetter);
    assert.equal(dl!.message.error.code, 'ERR_STAGE_CRASHED');
    assert.equal(dl!.message.docId, 'killer');
    assert.equal(dl!.message.attempt, 3);
    // The message is terminated after its dead letter is stored: the queue empties a moment later.
    await waitFor('nothing left in the work queue', async () => (await streamCount(t, 'WORK')) === 0, 10_000);
    assert.equal(stage.spawned, 4, 'three deliveries killed a process; the fourth process dead-lettered the message');
    await t.close();
  });
});
