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
    // 70% first, the rest with the last outage: documents that queued while PostgreSQL was down finish
    // in a burst, which could otherwise end the run before the last outage came round.
    const first = Math.floor(n * 0.7);
    await cluster.publish(docs.slice(0, first));
    const steps: Array<{ at: number; run: () => Promise<void> }> = [
      { at: 0.15, run: () => cluster.restartPostgres(3_000) },
      { at: 0.4, run: async () => { await cluster.redis!.stop(); } },
      { at: 0.6, run: async () => {
        await cluster.publish(docs.slice(first));
        await cluster.restartChroma(3_000);
      } },
    ];
    const faults = await cluster.runUntilDone(ids, {
      label: 'services',
      timeoutMs: Math.max(300_000, n * 200),
      everyMs: 500,
      fault: async (_round, done) => {
        const next = steps[0];
        if (!next || done < next.at * n) return 0;
        steps.shift();
        await next.run();
        return 1;
      },
    });
    const v = await cluster.verify(ids);
    report({ test: 'PostgreSQL restarted, Redis stopped, Chroma restarted', documents: n, faults, redeliveries: v.redeliveries, duplicates: v.duplicates, lost: v.lost.length, seconds: (Date.now() - started) / 1000 });
    assert.deepEqual(v.lost, [], 'lost documents');
    assert.equal(v.duplicates, 0, 'duplicate terminal results or chunks');
    assert.equal(faults, 3, 'all three outages happened during the run');
  });
});
