import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { useHarness } from '../harness/temp-service.js';
import { ChaosCluster, report, scale } from './cluster.js';
import { chaosCorpus } from './corpus.js';

const ACK_WAIT_MS = 6_000; // ChaosCluster's consumers.*.ackWaitMs

describe('chaos: a worker paused (SIGSTOP) for longer than the ack wait, then resumed', function () {
  this.timeout(1_800_000);
  // Two workers of the paused stages, so the other one takes the paused worker's messages when their ack wait ends.
  const chaos = useHarness('ChaosCluster', () => ChaosCluster.start({ workers: { index: 2, extract: 2 } }), 120_000);

  it('its late work creates no duplicate: one terminal result and one set of chunks per document', async () => {
    const cluster = chaos();
    const n = scale(400, 5_000);
    const docs = chaosCorpus('pause', n, cluster.dir);
    const ids = docs.map((d) => d.id);
    const started = Date.now();
    // Early enough that both happen within a short run; each worker resumes on its own timer while the run goes on.
    const resumed: Array<Promise<void>> = [];
    const pause = (stage: 'index' | 'extract') => async () => {
      const [victim] = cluster.workersOf(stage);
      if (!victim?.signal('SIGSTOP')) return 0;
      resumed.push(sleep(ACK_WAIT_MS + 4_000).then(() => { victim.signal('SIGCONT'); }));
      return 1;
    };
    const faults = await cluster.runWithSteps(docs, [{ at: 0.15, run: pause('index') }, { at: 0.3, run: pause('extract') }], { label: 'pause', timeoutMs: Math.max(300_000, n * 200), everyMs: 250 });
    await Promise.all(resumed); // the late work of the paused workers runs before the checks
    const v = await cluster.verify(ids);
    report({ test: `SIGSTOP an index, then an extract worker for ${(ACK_WAIT_MS + 4_000) / 1000} s (ack wait ${ACK_WAIT_MS / 1000} s)`, documents: n, faults, redeliveries: v.redeliveries, duplicates: v.duplicates, lost: v.lost.length, seconds: (Date.now() - started) / 1000 });
    assert.deepEqual(v.lost, [], 'lost documents');
    assert.equal(v.duplicates, 0, 'duplicate terminal results or chunks');
    assert.equal(faults, 2, 'both pauses happened during the run');
    assert.ok(v.redeliveries > 0, 'the paused workers\' messages were redelivered to the other worker');
    assert.ok(cluster.workers.every((w) => w.starts === 1), 'a paused worker resumes: none was restarted');
  });
});
