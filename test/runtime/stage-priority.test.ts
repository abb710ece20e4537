import assert from 'node:assert/strict';
import { stageSettings } from '../../src/config/load.js';
import { silentLogger } from '../../src/log.js';
import { Ingest } from '../../src/messages/index.js';
import { StageRunner } from '../../src/runtime/stage/runner.js';
import { Transport } from '../../src/transport/index.js';
import { useNats } from '../harness/nats.js';
import { readStream, streamCount, waitFor } from '../harness/streams.js';
import { PRIORITY_STREAMS, prioritizedUpperStage } from '../fixtures/upper-stage.js';

describe('stage priorities over NATS (real nats-server)', function () {
  this.timeout(60_000);
  const server = useNats();

  it('with a backlog, critical work overtakes low, and low still finishes', async () => {
    const nats = server();
    const cfg = nats.config(PRIORITY_STREAMS);
    const t = await Transport.connect(cfg);
    await t.ensureTopology();
    for (let i = 0; i < 40; i++) await t.publish(t.subject('prio.low'), Ingest, { id: `low${i}`, text: 'slow:10' });
    for (let i = 0; i < 10; i++) await t.publish(t.subject('prio.critical'), Ingest, { id: `crit${i}`, text: 'slow:10' });
    const r = new StageRunner(prioritizedUpperStage((rel) => t.subject(rel)), t, { ...stageSettings(cfg, 'upper'), concurrency: 1, starvationLimit: 4 }, silentLogger);
    await r.start();
    await waitFor('50 outputs', async () => (await streamCount(t, 'OUT')) === 50, 30_000);
    await r.stop();
    const order = (await readStream(t, 'OUT', Ingest)).map((o) => o.message.id ?? '');
    const lastCritical = Math.max(...order.map((id, i) => (id.startsWith('crit') ? i : -1)));
    // FIFO by arrival would put the criticals at 40..49; by priority they all come within the first few.
    assert.ok(lastCritical < 16, `critical work finished at position ${lastCritical}: ${order.join(',')}`);
    assert.equal(order.filter((id) => id.startsWith('low')).length, 40, 'low work did not all finish');
    const critOrder = order.filter((id) => id.startsWith('crit'));
    assert.deepEqual(critOrder, Array.from({ length: 10 }, (_, i) => `crit${i}`), 'FIFO within a level');
    await t.close();
  });
});
