import assert from 'node:assert/strict';
import { hashEmbedPacked } from '../../src/embed/index.js';
import type { HashEmbedTask } from '../../src/embed/index.js';
import { WorkerPool } from '../../src/pool/index.js';
import { pythonDocParagraphs } from './helpers.js';

describe('embed worker', function () {
  this.timeout(20_000);
  let pool: WorkerPool | undefined;
  afterEach(async () => { await pool?.close(); });

  it('computes on a WorkerPool thread exactly the vectors of the main thread', async () => {
    pool = new WorkerPool({ filename: new URL('../../src/embed/worker.js', import.meta.url), name: 'embed', threads: 2 });
    const texts = pythonDocParagraphs('json.html', 12);
    const tasks: HashEmbedTask[] = [{ texts: texts.slice(0, 6), dimension: 256 }, { texts: texts.slice(6), dimension: 256 }];
    const results = await Promise.all(tasks.map((t) => pool!.run<Float32Array>(t)));
    for (let i = 0; i < tasks.length; i++) {
      const got = results[i]!;
      assert.ok(got instanceof Float32Array);
      assert.equal(got.length, tasks[i]!.texts.length * 256);
      assert.deepEqual(got, hashEmbedPacked(tasks[i]!.texts, 256));
    }
    assert.equal(pool.stats().completed, 2);
  });

  it('turns a bad task into a DocflowError from the pool, not a dead thread', async () => {
    pool = new WorkerPool({ filename: new URL('../../src/embed/worker.js', import.meta.url), name: 'embed' });
    await assert.rejects(pool.run({ texts: ['x'], dimension: 0 }), /dimension must be a positive integer/);
    assert.equal((await pool.run<Float32Array>({ texts: ['x'], dimension: 4 })).length, 4);
  });
});
