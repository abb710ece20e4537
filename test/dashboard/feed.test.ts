import assert from 'node:assert/strict';
import { DashboardFeed, mergeStages } from '../../src/dashboard/feed.js';
import type { StageFigures } from '../../src/metrics/metrics.js';

const stage = (name: string, over: Partial<StageFigures & { rate: number }> = {}): StageFigures & { rate: number } => ({
  name, state: 'running', inFlight: 1, pending: 10, processed: 100, failed: 2, retried: 3, restarts: 0, rate: 1.5, ...over,
});

describe('the dashboard feed: the stages of a deployment as one pipeline', () => {
  it('one card per stage: counters and rates summed over its processes, the consumer backlog once, the worst state', () => {
    const merged = mergeStages([
      [stage('split', { pending: 7 }), stage('load')],
      [stage('load', { pending: 12, state: 'restarting', restarts: 1 }), stage('extract')],
      [stage('load', { pending: 11 })],
    ], ['load', 'extract', 'split']);
    assert.deepEqual(merged.map((s) => s.name), ['load', 'extract', 'split'], 'in pipeline order');
    assert.deepEqual(merged[0], { name: 'load', state: 'restarting', inFlight: 3, pending: 12, processed: 300, failed: 6, retried: 9, restarts: 1, rate: 4.5, processes: 3 });
    assert.deepEqual(merged[2], { ...stage('split', { pending: 7 }), processes: 1 });
  });

  it('stages outside the order come after it, in the order they first appear; a failed process shows', () => {
    const merged = mergeStages([[stage('custom-b'), stage('load')], [stage('custom-a'), stage('custom-b', { state: 'failed' })]], ['load']);
    assert.deepEqual(merged.map((s) => [s.name, s.state, s.processes]), [['load', 'running', 1], ['custom-b', 'failed', 2], ['custom-a', 'running', 1]]);
  });

  it('the snapshot counts the processes it shows', async () => {
    const feed = new DashboardFeed({
      version: '1.2.3',
      stages: async () => [[stage('load')], [stage('load'), stage('embed')]],
      order: ['load', 'embed'],
      memory: () => ({ level: 'normal', rssBytes: 1, heapUsedBytes: 1, heapTotalBytes: 2, systemFreeBytes: 3, systemTotalBytes: 4, limitBytes: 0, slopeBytesPerSec: 0, sources: {}, samples: 1, at: 0 }),
      memoryHistory: () => [],
      pools: () => [],
    });
    const snap = await feed.snapshot();
    assert.equal(snap.processes, 2);
    assert.deepEqual(snap.stages.map((s) => [s.name, s.processes]), [['load', 2], ['embed', 1]]);
  });
});
