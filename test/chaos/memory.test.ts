import assert from 'node:assert/strict';
import { useHarness } from '../harness/temp-service.js';
import { ChaosCluster, report, scale } from './cluster.js';
import { chaosCorpus } from './corpus.js';

describe('chaos: memory emergencies in one stage during a run', function () {
  this.timeout(1_800_000);
  // The embed worker's RSS limit is below any Node process's RSS: its monitor declares an emergency
  // at every sample, and its supervisor restarts the stage once per cooldown, all run long.
  const chaos = useHarness('ChaosCluster', () => ChaosCluster.start({ stageConfig: { embed: { memory: { limitBytes: 16 << 20, criticalCooldownMs: 3_000 } } } }), 120_000);

  it('restarts the stage on each emergency and loses nothing', async () => {
    const cluster = chaos();
    const n = scale(400, 3_000);
    const docs = chaosCorpus('memory', n, cluster.dir);
    const ids = docs.map((d) => d.id);
    const started = Date.now();
    await cluster.publish(docs);
    await cluster.runUntilDone(ids, { label: 'memory', timeoutMs: Math.max(300_000, n * 200) });
    const v = await cluster.verify(ids);
    const restarts = cluster.countInLogs('embed', /"event":"restarting"/);
    report({ test: 'memory critical in the embed stage (restart every 3 s)', documents: n, faults: restarts, redeliveries: v.redeliveries, duplicates: v.duplicates, lost: v.lost.length, seconds: (Date.now() - started) / 1000 });
    assert.deepEqual(v.lost, [], 'lost documents');
    assert.equal(v.duplicates, 0, 'duplicate terminal results or chunks');
    assert.ok(restarts >= 2, `expected the embed stage to be restarted for memory during the run, saw ${restarts}`);
    assert.ok(cluster.workersOf('embed').every((w) => w.starts === 1), 'the stage restarted inside its process; the process lived on');
  });
});
