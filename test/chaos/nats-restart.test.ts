import assert from 'node:assert/strict';
import { useHarness } from '../harness/temp-service.js';
import { ChaosCluster, report, scale } from './cluster.js';
import { chaosCorpus } from './corpus.js';

describe('chaos: nats-server restarted twice mid-run (JetStream on disk)', function () {
  this.timeout(1_800_000);
  const chaos = useHarness('ChaosCluster', () => ChaosCluster.start(), 120_000);

  it('loses nothing acknowledged: restarts at a quarter and at half of the run', async () => {
    const cluster = chaos();
    const n = scale(400, 5_000);
    const docs = chaosCorpus('natsrestart', n, cluster.dir);
    const ids = docs.map((d) => d.id);
    const started = Date.now();
    // SIGTERM, then start again on the same ports and store
    const restart = async () => { await cluster.nats!.restart(); return 1; };
    const faults = await cluster.runWithSteps(docs, [{ at: 0.25, run: restart }, { at: 0.5, run: restart }], { label: 'nats restart', timeoutMs: Math.max(300_000, n * 200), everyMs: 500 });
    const v = await cluster.verify(ids);
    report({ test: 'nats-server restarted twice', documents: n, faults, redeliveries: v.redeliveries, duplicates: v.duplicates, lost: v.lost.length, seconds: (Date.now() - started) / 1000 });
    assert.deepEqual(v.lost, [], 'lost documents');
    assert.equal(v.duplicates, 0, 'duplicate terminal results or chunks');
    assert.equal(faults, 2, 'both restarts happened during the run');
  });
});
