import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { stageSettings } from '../../src/config/load.js';
import { silentLogger } from '../../src/log.js';
import { DeadLetter, Ingest, Result } from '../../src/messages/index.js';
import { StageRunner } from '../../src/runtime/stage/runner.js';
import type { StageSettings } from '../../src/runtime/stage/types.js';
import { Transport } from '../../src/transport/index.js';
import { startNats, type NatsHarness } from '../harness/nats.js';
import { readStream, streamCount, waitFor } from '../harness/streams.js';
import { upperStage, WORK_STREAMS } from '../fixtures/upper-stage.js';

describe('stage runner (real nats-server)', function () {
  this.timeout(60_000);
  let nats: NatsHarness;
  let t: Transport;
  let cfg: ReturnType<NatsHarness['config']>;
  const runners: StageRunner<typeof Ingest, typeof Ingest>[] = [];

  async function runner(patch: Partial<StageSettings> = {}): Promise<StageRunner<typeof Ingest, typeof Ingest>> {
    const settings = { ...stageSettings(cfg, 'upper'), retryBaseDelayMs: 50, retryMaxDelayMs: 200, drainGraceMs: 500, progressIntervalMs: 500, ...patch };
    const r = new StageRunner(upperStage((rel) => t.subject(rel)), t, settings, silentLogger);
    runners.push(r);
    await r.start();
    return r;
  }
  async function publish(texts: string[]): Promise<void> {
    await Promise.all(texts.map((text, i) => t.publish(t.subject('work.in'), Ingest, { id: `d${i}`, text })));
  }

  before(async () => { nats = await startNats(); });
  after(async () => { await nats[Symbol.asyncDispose](); });
  beforeEach(async () => {
    cfg = nats.config(WORK_STREAMS);
    t = await Transport.connect(cfg);
    await t.ensureTopology();
  });
  afterEach(async () => {
    for (const r of runners.splice(0)) await r.stop();
    await t.close();
  });

  it('holds a message through a store outage without using up its deliveries, then finishes it once', async () => {
    await publish(['outage:6', 'fine']); // 6 failures in a row: twice maxDeliver (3)
    const r = await runner();
    await waitFor('2 outputs', async () => (await streamCount(t, 'OUT')) === 2, 20_000);
    assert.deepEqual((await readStream(t, 'OUT', Ingest)).map((o) => o.message.text).sort(), ['FINE', 'OUTAGE:6']);
    assert.equal(await streamCount(t, 'DLQ'), 0, 'nothing dead-lettered');
    const results = (await readStream(t, 'RESULTS', Result)).map((x) => x.message).filter((m) => m.docId === 'd0');
    assert.deepEqual(results.map((m) => `${m.status} ${m.attempt}`), ['stage 1'], 'one result, on the first delivery');
    assert.equal(r.stats().retried, 6);
    await waitFor('work queue empty', async () => (await streamCount(t, 'WORK')) === 0);
  });

  it('handles each message, publishes its output, acks, and reports the stage result', async () => {
    await publish(['alpha', 'beta', 'gamma']);
    const r = await runner();
    await waitFor('3 outputs', async () => (await streamCount(t, 'OUT')) === 3);
    const out = await readStream(t, 'OUT', Ingest);
    assert.deepEqual(out.map((o) => o.message.text).sort(), ['ALPHA', 'BETA', 'GAMMA']);
    await waitFor('work queue empty', async () => (await streamCount(t, 'WORK')) === 0);
    const results = await readStream(t, 'RESULTS', Result);
    assert.deepEqual(results.map((x) => `${x.subject}:${x.message.status}:${x.message.stage}`).sort(),
      ['d0', 'd1', 'd2'].map((d) => `${t.subject(`results.${d}`)}:stage:upper`));
    assert.equal(r.stats().processed, 3);
  });

  it('200 good messages and two poison ones: the good complete, the poison end in the dead-letter stream', async () => {
    const texts = Array.from({ length: 200 }, (_, i) => `doc ${i}`);
    texts.splice(50, 0, 'poison');
    texts.splice(120, 0, 'flaky');
    await publish(texts);
    const r = await runner({ concurrency: 16 });
    await waitFor('200 outputs and 2 dead letters', async () => (await streamCount(t, 'OUT')) === 200 && (await streamCount(t, 'DLQ')) === 2, 30_000);
    const dlq = await readStream(t, 'DLQ', DeadLetter);
    const byCode = Object.fromEntries(dlq.map((d) => [d.message.error.code, d.message]));
    assert.equal(byCode['ERR_CODEC_SCHEMA']?.attempt, 1, 'a non-retryable failure is dead-lettered at once');
    assert.equal(byCode['ERR_TRANSPORT_PUBLISH']?.attempt, 3, 'a retryable failure is dead-lettered after maxDeliver attempts');
    assert.equal(dlq[0]!.subject, t.subject('dlq.upper'));
    const original = t.codec.decode(Ingest, byCode['ERR_CODEC_SCHEMA']!.original, byCode['ERR_CODEC_SCHEMA']!.originalHeaders ?? {});
    assert.equal(original.text, 'poison', 'the dead letter keeps the original message');
    await sleep(2_500); // past ackWait: a terminated message must not come back
    const failed = (await readStream(t, 'RESULTS', Result)).filter((x) => x.message.status === 'failed');
    assert.deepEqual(failed.map((f) => f.message.docId).sort(), ['d120', 'd50'], 'one terminal failed result per document');
    assert.equal(await streamCount(t, 'DLQ'), 2);
    const s = r.stats();
    assert.equal(s.processed, 200);
    assert.equal(s.deadLettered, 2);
    assert.equal(s.retried, 2);
    await waitFor('work queue empty', async () => (await streamCount(t, 'WORK')) === 0);
  });

  it('holds no more than its credit: the backlog waits in JetStream', async () => {
    await publish(Array.from({ length: 40 }, () => 'slow:100'));
    await runner({ concurrency: 2 });
    await sleep(300);
    const figures = await t.consumerFigures('upper');
    assert.ok(figures.ackPending <= 2, `ack pending ${figures.ackPending} exceeds the credit of 2`);
    assert.ok(figures.pending >= 30, `backlog should stay in the stream, pending=${figures.pending}`);
  });

  it('takes a new concurrency while running, without losing or repeating work', async () => {
    await publish(Array.from({ length: 60 }, () => 'slow:100'));
    const r = await runner({ concurrency: 1 });
    await sleep(250);
    assert.ok((await t.consumerFigures('upper')).ackPending <= 1);
    r.tune({ concurrency: 6 });
    await waitFor('6 in flight', async () => (await t.consumerFigures('upper')).ackPending >= 5, 5_000);
    // An output is stored before its message counts as processed (results and the ack come between).
    await waitFor('60 processed', () => r.stats().processed === 60, 30_000);
    assert.equal(await streamCount(t, 'OUT'), 60);
  });

  it('on stop, naks what did not finish within the grace period; another runner completes it', async () => {
    await publish(Array.from({ length: 4 }, () => 'slow:3000'));
    const first = await runner({ concurrency: 4, drainGraceMs: 100 });
    await waitFor('4 in flight', () => first.stats().inFlight === 4, 5_000);
    await first.stop('restart');
    assert.equal(first.stats().processed, 0);
    await runner({ concurrency: 4 });
    await waitFor('4 outputs after the restart', async () => (await streamCount(t, 'OUT')) === 4, 20_000);
    assert.equal(await streamCount(t, 'DLQ'), 0);
  });

  it('aborts a task past its timeout and retries it, then dead-letters it', async () => {
    await publish(['slow:10000', 'quick']);
    const r = await runner({ taskTimeoutMs: 200 });
    await waitFor('the slow one dead-lettered', async () => (await streamCount(t, 'DLQ')) === 1, 20_000);
    const [dl] = await readStream(t, 'DLQ', DeadLetter);
    assert.equal(dl!.message.error.code, 'ERR_STAGE_TIMEOUT');
    assert.equal(dl!.message.attempt, 3);
    assert.equal(r.stats().processed, 1);
  });
});
