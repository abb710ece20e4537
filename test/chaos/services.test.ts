import assert from 'node:assert/strict';
import { useHarness } from '../harness/temp-service.js';
import { ChaosCluster, report, scale } from './cluster.js';
import { chaosCorpus } from './corpus.js';

describe('chaos: PostgreSQL restarted, Redis stopped, Chroma restarted mid-run', function () {
  this.timeout(1_800_000);
  const chaos = useHarness('ChaosCluster', () => ChaosCluster.start({ redis: true }), 120_000);

  it('documents wait and retry with backoff while a store is down, and all finish', async () => {
    const cluster = chaos();
    const n = scale(400, 3_000);
    const docs = chaosCorpus('services', n, cluster.dir);
    const ids = docs.map((d) => d.id);
    const started = Date.now();
    const faults = await cluster.runWithSteps(docs, [
      { at: 0.15, run: async () => { await cluster.restartPostgres(3_000); return 1; } },
      { at: 0.4, run: async () => { await cluster.redis!.stop(); return 1; } },
      { at: 0.6, run: async () => { await cluster.restartChroma(3_000); return 1; } },
    ], { label: 'services', timeoutMs: Math.max(300_000, n * 200), everyMs: 500 });
    const v = await cluster.verify(ids);
    report({ test: 'PostgreSQL restarted, Redis stopped, Chroma restarted', documents: n, faults, redeliveries: v.redeliveries, duplicates: v.duplicates, lost: v.lost.length, seconds: (Date.now() - started) / 1000 });
    assert.deepEqual(v.lost, [], 'lost documents');
    assert.equal(v.duplicates, 0, 'duplicate terminal results or chunks');
    assert.equal(faults, 3, 'all three outages happened during the run');
  });
});
