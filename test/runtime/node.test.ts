import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { silentLogger } from '../../src/log.js';
import { DocflowError } from '../../src/errors/index.js';
import { Ingest, StatusReply, StatusRequest, TuneReply, TuneRequest, type MessageKind } from '../../src/messages/index.js';
import { DocflowNode } from '../../src/runtime/node.js';
import { WorkerPool } from '../../src/pool/index.js';
import type { StageDefinition } from '../../src/runtime/stage/types.js';
import { startNats, type NatsHarness } from '../harness/nats.js';
import { streamCount, waitFor } from '../harness/streams.js';
import { upperStage, WORK_STREAMS } from '../fixtures/upper-stage.js';

describe('docflow node: supervised stages, status, tuning, metrics (real nats-server)', function () {
  this.timeout(90_000);
  let nats: NatsHarness;
  let node: DocflowNode | undefined;
  before(async () => { nats = await startNats(); });
  after(async () => { await nats[Symbol.asyncDispose](); });
  afterEach(async () => { await node?.close(); node = undefined; });

  async function startNode(overrides: Record<string, unknown> = {}): Promise<DocflowNode> {
    const config = nats.config({ ...WORK_STREAMS, 'metrics.port': 0, 'stages.upper': { progressIntervalMs: 500, drainGraceMs: 300, retryBaseDelayMs: 50 }, ...overrides });
    const stage = upperStage((rel) => `${config.subjectPrefix}.${rel}`) as unknown as StageDefinition<MessageKind, MessageKind>;
    node = await DocflowNode.start(config, silentLogger, { stages: [stage] });
    return node;
  }

  it('reports the stage in docflow.status and exposes it as Prometheus metrics', async () => {
    const n = await startNode();
    n.host.addPool(new WorkerPool({ filename: new URL('../fixtures/workers/upper-worker.js', import.meta.url), name: 'upper', threads: 2 }));
    const t = n.transport;
    for (let i = 0; i < 5; i++) await t.publish(t.subject('work.in'), Ingest, { id: `s${i}`, text: 'hello' });
    await waitFor('5 outputs', async () => (await streamCount(t, 'OUT')) === 5);
    const s = await t.request(t.subject('status'), StatusRequest, {}, StatusReply);
    const upper = s.stages.find((x) => x.name === 'upper');
    assert.ok(upper, 'the stage is not in the status');
    assert.equal(upper.state, 'running');
    assert.equal(upper.processed, 5);
    assert.equal(upper.restarts, 0);
    assert.equal(s.memory.level, 'normal');
    const text = await (await fetch(`${n.metricsUrl}/metrics`)).text();
    assert.match(text, /docflow_stage_processed_total\{stage="upper"\} 5/);
    assert.match(text, /docflow_stage_running\{stage="upper"\} 1/);
    assert.match(text, /docflow_memory_level\{level="normal"\} 1/);
    assert.match(text, /docflow_pool_threads\{pool="upper"\} 2/);
    assert.match(text, /docflow_stage_duration_seconds_count\{stage="upper",outcome="ok"\} 5/);
  });

  it('tunes a running stage over docflow.control.tune, and rejects bad settings with typed errors', async () => {
    const n = await startNode();
    const t = n.transport;
    const reply = await t.request(t.subject('control.tune'), TuneRequest, { stage: 'upper', settings: { concurrency: 3, taskTimeoutMs: 5000 } }, TuneReply);
    assert.equal(reply.settings['concurrency'], 3);
    assert.equal(reply.settings['taskTimeoutMs'], 5000);
    assert.equal(n.host.runner('upper')?.settings.concurrency, 3);
    const code = async (req: { stage: string; settings: Record<string, number | string | boolean> }) =>
      t.request(t.subject('control.tune'), TuneRequest, req, TuneReply).then(() => 'ok', (e: unknown) => (e instanceof DocflowError ? e.code : String(e)));
    assert.equal(await code({ stage: 'upper', settings: { concurrency: 0 } }), 'ERR_TUNE_INVALID');
    assert.equal(await code({ stage: 'upper', settings: { bogus: 1 } }), 'ERR_TUNE_INVALID');
    assert.equal(await code({ stage: 'upper', settings: { concurrency: 'many' } }), 'ERR_TUNE_INVALID');
    assert.equal(await code({ stage: 'nope', settings: { concurrency: 2 } }), 'ERR_STAGE_UNKNOWN');
    assert.equal(n.host.runner('upper')?.settings.concurrency, 3, 'a rejected tune changed nothing');
    assert.equal(await code({ stage: 'upper', settings: { threads: 2 } }), 'ERR_TUNE_INVALID', 'no pool, no threads to tune');
    const pool = n.host.createPool('upper', new URL('../fixtures/workers/upper-worker.js', import.meta.url));
    assert.equal(pool.stats().threads, 1, 'poolDefaults.threads');
    const resized = await t.request(t.subject('control.tune'), TuneRequest, { stage: 'upper', settings: { threads: 2 } }, TuneReply);
    assert.equal(resized.settings['threads'], 2);
    assert.equal(pool.stats().threads, 2);
    assert.equal(await pool.run<string>({ text: 'still works' }), 'STILL WORKS');
  });

  it('a deployment of three processes: status lists every process and its stages, tune reaches every process that runs the stage', async () => {
    const config = nats.config({ ...WORK_STREAMS, 'metrics.port': 0, 'metrics.dashboard': true });
    const stage = () => upperStage((rel) => `${config.subjectPrefix}.${rel}`) as unknown as StageDefinition<MessageKind, MessageKind>;
    const nodes: DocflowNode[] = [];
    try {
      // two workers of `upper`, and one process without stages (as a `docflow worker --queries`)
      for (const stages of [[stage()], [stage()], []]) nodes.push(await DocflowNode.start(config, silentLogger, { stages }));
      const [a, b, bare] = nodes as [DocflowNode, DocflowNode, DocflowNode];
      const label = (n: DocflowNode) => `${n.identity.host}:${n.identity.pid}`;
      assert.equal(new Set(nodes.map((n) => n.identity.id)).size, 3, 'each process has its own id');

      // whichever process answers (a queue group), the reply covers all three
      for (let i = 0; i < 4; i++) {
        const asker = nodes[i % 3]!.transport;
        const s = await asker.request(asker.subject('status'), StatusRequest, {}, StatusReply);
        assert.deepEqual(s.nodes?.map((n) => n.node.id).sort(), nodes.map((n) => n.identity.id).sort());
        assert.equal(s.nodes?.[0]?.node.id, s.node?.id, 'the answering process first');
        assert.ok((s.streams?.length ?? 0) > 0 && s.nodes?.every((n) => !('streams' in n)), 'the streams once, at the top');
        assert.deepEqual(s.stages.map((st) => [st.name, st.node]), [['upper', label(a)], ['upper', label(b)]], 'every process\'s stages, with their process (one test process here: one host:pid)');
        for (const n of [a, b]) assert.deepEqual(s.nodes?.find((x) => x.node.id === n.identity.id)?.stages.map((st) => st.name), ['upper']);
        assert.deepEqual(s.nodes?.find((n) => n.node.id === bare.identity.id)?.stages, []);
      }

      // the dashboard of any process shows the deployment's pipeline: one card for the stage both workers run
      for (const n of nodes) {
        const d = await (await fetch(`${n.metricsUrl}/api/dashboard`)).json() as { processes: number; stages: Array<{ name: string; processes: number; state: string }> };
        assert.equal(d.processes, 3);
        assert.deepEqual(d.stages.map((st) => [st.name, st.processes, st.state]), [['upper', 2, 'running']]);
      }

      // asked through the process that does not run it, the change reaches both workers of the stage
      const t = bare.transport;
      const reply = await t.request(t.subject('control.tune'), TuneRequest, { stage: 'upper', settings: { concurrency: 5 } }, TuneReply);
      assert.equal(reply.settings['concurrency'], 5);
      assert.deepEqual(reply.nodes?.map((n) => n.node.id).sort(), [a.identity.id, b.identity.id].sort());
      assert.equal(a.host.runner('upper')?.settings.concurrency, 5);
      assert.equal(b.host.runner('upper')?.settings.concurrency, 5);
      await assert.rejects(t.request(t.subject('control.tune'), TuneRequest, { stage: 'upper', settings: { concurrency: 0 } }, TuneReply), (e: unknown) => e instanceof DocflowError && e.code === 'ERR_TUNE_INVALID');
      await assert.rejects(t.request(t.subject('control.tune'), TuneRequest, { stage: 'nope', settings: { concurrency: 2 } }, TuneReply), (e: unknown) => e instanceof DocflowError && e.code === 'ERR_STAGE_UNKNOWN' && /no process of this deployment runs stage "nope" \(running: upper; 3 process\(es\) answered\)/.test(e.message));
      assert.equal(a.host.runner('upper')?.settings.concurrency, 5, 'a refused tune changed nothing');

      // a process that stops is no longer in the deployment's status
      await b.close();
      const after = await t.request(t.subject('status'), StatusRequest, {}, StatusReply);
      assert.deepEqual(after.nodes?.map((n) => n.node.id).sort(), [a.identity.id, bare.identity.id].sort());
      assert.deepEqual(after.stages.map((st) => st.node), [label(a)]);
    } finally {
      for (const n of nodes) await n.close();
    }
  });

  it('a task that balloons memory: critical level, the stage is restarted, the work completes, nothing is lost', async () => {
    const rss = process.memoryUsage().rss;
    const n = await startNode({ 'memory.limitBytes': rss + 150 * 2 ** 20, 'memory.intervalMs': 50, 'memory.highRatio': 0.95, 'supervisor.minDelayMs': 50 });
    const t = n.transport;
    await t.publish(t.subject('work.in'), Ingest, { id: 'balloon', text: 'balloon:300' });
    for (let i = 0; i < 20; i++) await t.publish(t.subject('work.in'), Ingest, { id: `g${i}`, text: 'slow:20' });
    await waitFor('21 outputs', async () => (await streamCount(t, 'OUT')) === 21, 60_000, 100);
    const figures = await n.host.figures();
    assert.ok((figures[0]?.restarts ?? 0) >= 1, 'the stage was not restarted');
    assert.equal(await streamCount(t, 'DLQ'), 0, 'something was dead-lettered');
    await waitFor('work queue empty', async () => (await streamCount(t, 'WORK')) === 0, 10_000);
  });

  it('backpressure: a slow stage keeps RSS bounded while the backlog waits in JetStream', async () => {
    const n = await startNode({ 'stages.upper': { concurrency: 2, progressIntervalMs: 500 } });
    const t = n.transport;
    await n.host.supervisor.close(); // publish the backlog first, with the stage stopped
    const padding = 'x'.repeat(256 * 1024);
    for (let i = 0; i < 400; i++) await t.publish(t.subject('work.in'), Ingest, { id: `b${i}`, text: `slow:20|${padding}` }); // 100 MB
    global.gc?.();
    const base = process.memoryUsage().rss;
    const stage = upperStage((rel) => t.subject(rel)) as unknown as StageDefinition<MessageKind, MessageKind>;
    const { StageRunner } = await import('../../src/runtime/stage/runner.js');
    const runner = new StageRunner(stage, t, { ...n.host.runner('upper')!.settings, concurrency: 2 }, silentLogger);
    await runner.start();
    let peak = base;
    let maxPending = 0;
    for (let i = 0; i < 20; i++) {
      await sleep(100);
      peak = Math.max(peak, process.memoryUsage().rss);
      maxPending = Math.max(maxPending, (await t.consumerFigures('upper')).pending);
    }
    await runner.stop();
    assert.ok(maxPending > 250, `the backlog should wait in JetStream (pending ${maxPending})`);
    assert.ok(peak - base < 64 * 2 ** 20, `RSS grew by ${((peak - base) / 2 ** 20).toFixed(1)} MiB while 100 MiB waited`);
  });
});
