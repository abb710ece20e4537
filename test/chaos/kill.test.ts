import assert from 'node:assert/strict';
import { useHarness } from '../harness/temp-service.js';
import { ChaosCluster, report, scale } from './cluster.js';
import { chaosCorpus } from './corpus.js';
import { prng } from '../harness/prng.js';

describe('chaos: a random stage worker process killed with SIGKILL every few seconds', function () {
  this.timeout(1_800_000);
  const chaos = useHarness('ChaosCluster', () => ChaosCluster.start(), 120_000);

  it('indexes every document exactly once, with one terminal result each and nothing left in flight', async () => {
    const cluster = chaos();
    const n = scale(400, 5_000);
    const docs = chaosCorpus('kill', n, cluster.dir);
    const ids = docs.map((d) => d.id);
    const started = Date.now();
    await cluster.publish(docs);
    // Seeded, so a failing run can be repeated; uniform, so every stage gets its share of kills.
    const random = prng(12345);
    const kills = new Map<string, number>();
    const faults = await cluster.runUntilDone(ids, {
      label: 'kill',
      timeoutMs: Math.max(300_000, n * 200),
      everyMs: 1_500,
      fault: async () => {
        const alive = cluster.workers.filter((w) => w.pid !== undefined);
        const victim = alive[Math.floor(random() * alive.length)];
        if (!victim?.signal('SIGKILL')) return 0;
        kills.set(victim.stage, (kills.get(victim.stage) ?? 0) + 1);
        return 1;
      },
    });
    process.stderr.write(`      kills by stage: ${JSON.stringify(Object.fromEntries(kills))}\n`);
    const v = await cluster.verify(ids);
    report({ test: 'SIGKILL a random stage worker every 1.5 s', documents: n, faults, redeliveries: v.redeliveries, duplicates: v.duplicates, lost: v.lost.length, seconds: (Date.now() - started) / 1000 });
    assert.deepEqual(v.lost, [], 'lost documents');
    assert.equal(v.duplicates, 0, 'duplicate terminal results or chunks');
    assert.ok(faults >= 3, `expected at least 3 kills during the run, made ${faults}`);
    assert.ok(cluster.workers.reduce((s, w) => s + w.starts, 0) >= cluster.workers.length + faults, 'each killed worker was started again');
  });
});
