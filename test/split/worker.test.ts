/** The split worker module through a real WorkerPool: same chunks as in-process, errors keep their code. */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { DocflowError } from '../../src/errors/index.js';
import { WorkerPool } from '../../src/pool/index.js';
import { split, type Chunk } from '../../src/split/index.js';
import type { SplitTask } from '../../src/split/worker.js';
import { PY_DOC_SOURCES } from './helpers.js';

describe('split worker', function () {
  this.timeout(30_000);
  let pool: WorkerPool;
  before(() => {
    pool = new WorkerPool({ filename: new URL('../../src/split/worker.js', import.meta.url), name: 'split', threads: 1, closeGraceMs: 500 });
  });
  after(() => pool.close());

  it('splits on a worker thread, chunk for chunk as in-process, in both units', async () => {
    const text = readFileSync(`${PY_DOC_SOURCES}/tutorial/datastructures.rst.txt`, 'utf8');
    const sections = [{ start: 0, end: 5000, headingPath: ['Data Structures'], page: 1 }, { start: 5000, end: text.length, headingPath: ['More'] }];
    for (const options of [{ unit: 'chars', chunkSize: 800, chunkOverlap: 100 }, { unit: 'tokens', chunkSize: 200, chunkOverlap: 20 }] as const) {
      const task: SplitTask = { text, sections, options };
      const chunks = await pool.run<Chunk[]>(task);
      assert.ok(chunks.length > 5);
      assert.deepStrictEqual(chunks, split(text, sections, options));
    }
    assert.equal(pool.stats().completed, 2);
  });

  it('rejects invalid options with ERR_SPLIT_INVALID, not retryable', async () => {
    const task: SplitTask = { text: 'some text', sections: [], options: { unit: 'chars', chunkSize: 10, chunkOverlap: 10 } };
    let caught: unknown;
    await pool.run(task).then(() => assert.fail('expected a rejection'), (err: unknown) => { caught = err; });
    assert.ok(caught instanceof DocflowError);
    assert.equal(caught.code, 'ERR_SPLIT_INVALID');
    assert.equal(caught.retryable, false);
    assert.match(caught.message, /chunkOverlap \(10\) must be below chunkSize \(10\)/);
  });
});
