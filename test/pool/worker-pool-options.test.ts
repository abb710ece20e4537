import assert from 'node:assert/strict';
import { fileURLToPath } from 'node:url';
import { WorkerPool, type WorkerPoolOptions } from '../../src/pool/index.js';
import { TASKS } from './helpers.js';

describe('WorkerPool options', () => {
  const cases: [string, WorkerPoolOptions, string][] = [
    ['no filename', {}, 'options.filename must be a file URL or a path'],
    ['empty filename', { filename: '' }, 'options.filename must be a file URL or a path'],
    ['missing file', { filename: '/nonexistent/worker.js' }, 'options.filename must name an existing file (got /nonexistent/worker.js)'],
    ['empty name', { filename: TASKS, name: '' }, 'options.name must be a non-empty string'],
    ['zero threads', { filename: TASKS, threads: 0 }, 'options.threads must be a positive integer'],
    ['fractional threads', { filename: TASKS, threads: 1.5 }, 'options.threads must be a positive integer'],
    ['negative maxQueue', { filename: TASKS, maxQueue: -1 }, 'options.maxQueue must be a non-negative integer'],
    ['resourceLimits not an object', { filename: TASKS, resourceLimits: 5 as never }, 'options.resourceLimits must be an object'],
    ['bad heap limit', { filename: TASKS, resourceLimits: { maxOldGenerationSizeMb: 0 } }, 'options.resourceLimits.maxOldGenerationSizeMb must be a positive number'],
    ['bad young limit', { filename: TASKS, resourceLimits: { maxYoungGenerationSizeMb: -2 } }, 'options.resourceLimits.maxYoungGenerationSizeMb must be a positive number'],
    ['bad stack limit', { filename: TASKS, resourceLimits: { stackSizeMb: Number.NaN } }, 'options.resourceLimits.stackSizeMb must be a positive number'],
    ['negative taskTimeoutMs', { filename: TASKS, taskTimeoutMs: -5 }, 'options.taskTimeoutMs must be a non-negative integer'],
    ['fractional recycleAfterTasks', { filename: TASKS, recycleAfterTasks: 0.5 }, 'options.recycleAfterTasks must be a non-negative integer'],
    ['negative recycleOnHeapGrowthMb', { filename: TASKS, recycleOnHeapGrowthMb: -1 }, 'options.recycleOnHeapGrowthMb must be a non-negative number'],
    ['infinite recycleOnHeapGrowthMb', { filename: TASKS, recycleOnHeapGrowthMb: Infinity }, 'options.recycleOnHeapGrowthMb must be a non-negative number'],
    ['string closeGraceMs', { filename: TASKS, closeGraceMs: '5' as never }, 'options.closeGraceMs must be a non-negative integer'],
    ['not a logger', { filename: TASKS, logger: {} as never }, 'options.logger must be a pino Logger'],
  ];
  for (const [what, options, message] of cases) {
    it(`throws a TypeError for ${what}`, () => {
      assert.throws(() => new WorkerPool(options), { name: 'TypeError', message });
    });
  }

  it('throws for options that are not an object', () => {
    assert.throws(() => new WorkerPool(null as never), { name: 'TypeError', message: 'options must be an object' });
  });

  it('accepts a file URL, a file: string or a path, and fills the defaults', async () => {
    for (const filename of [TASKS, TASKS.href, fileURLToPath(TASKS)]) {
      const pool = new WorkerPool({ filename, maxQueue: undefined });
      try {
        const s = pool.stats();
        assert.deepEqual([s.name, s.threads, s.queued, s.running, s.recycled], ['pool', 1, 0, 0, 0]);
      } finally {
        await pool.close();
      }
    }
  });
});
