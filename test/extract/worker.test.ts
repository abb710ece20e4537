import assert from 'node:assert/strict';
import { DocflowError } from '../../src/errors/index.js';
import type { Extracted } from '../../src/extract/index.js';
import type { ExtractTask } from '../../src/extract/worker.js';
import { WorkerPool } from '../../src/pool/index.js';
import { makePdf } from '../fixtures/documents/make-pdf.js';
import { assertValid, corpus, MAN1 } from './helpers.js';

describe('extract: on a WorkerPool thread', function () {
  this.timeout(30_000);
  let pool: WorkerPool;
  before(() => {
    pool = new WorkerPool({ name: 'extract', filename: new URL('../../src/extract/worker.js', import.meta.url), threads: 1, closeGraceMs: 200 });
  });
  after(() => pool.close());

  it('extracts a man page and a PDF on a worker thread; errors come back typed', async () => {
    const man = await pool.run<Extracted>({ bytes: corpus(`${MAN1}/ls.1.gz`), name: 'ls.1.gz' } satisfies ExtractTask);
    assertValid(man);
    assert.equal(man.format, 'man');
    assert.equal(man.title, 'LS(1)');

    const pdf = await pool.run<Extracted>({ bytes: makePdf({ pages: [{ lines: ['on a thread'] }, { lines: ['page two'] }] }), name: 'a.pdf' } satisfies ExtractTask);
    assert.equal(pdf.text, 'on a thread\n\npage two');
    assert.deepEqual(pdf.sections.map((s) => s.page), [1, 2]);

    const task: ExtractTask = { bytes: new TextEncoder().encode('x'.repeat(200)), name: 'a.txt', options: { maxChars: 100 } };
    await assert.rejects(pool.run(task), (err: unknown) => {
      assert.ok(err instanceof DocflowError);
      assert.equal(err.code, 'ERR_EXTRACT_TOO_LARGE');
      assert.equal(err.retryable, false);
      return true;
    });

    const stats = pool.stats();
    assert.equal(stats.completed + stats.failed, 3);
    assert.equal(stats.workerHeapBytes.length, 1, 'a worker thread reported its heap');
  });
});
