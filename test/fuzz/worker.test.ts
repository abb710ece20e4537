/**
 * Fuzzing the production path of extraction: mutated documents of every format sent to a WorkerPool
 * running src/extract/worker.js with the extract pool's shipped settings (threads, heap limit,
 * recycling). A thread that dies (a crash, a heap over its limit) or a task past the timeout fails
 * the property, which keeps the input; afterwards the pool still works and the process is alive.
 */
import assert from 'node:assert/strict';
import fc from 'fast-check';
import type { Extracted } from '../../src/extract/index.js';
import { WorkerPool } from '../../src/pool/index.js';
import { checkOnPool, extractPool, FUZZ_TASK_TIMEOUT_MS } from './checks.js';
import { fuzz } from './harness.js';
import { dictionary, mutate, mutations } from './mutate.js';
import type { FuzzInput } from './regressions.js';
import { generatedDocx, generatedPdfs, gzipSeeds, seedFiles, type SeedDoc } from './seeds.js';

describe('fuzz: extraction on the worker pool', function () {
  this.timeout(0);
  let pool: WorkerPool;
  before(() => {
    pool = extractPool();
  });
  after(() => pool.close());

  it('extract-worker: mutated documents of every format never kill a thread or hang it', async () => {
    const files = seedFiles();
    const docs: SeedDoc[] = [
      ...[...files].filter(([name]) => !name.endsWith('.pdf')).map(([name, bytes]) => ({ name, bytes })),
      ...generatedPdfs(), generatedDocx(), ...gzipSeeds(files).slice(1),
    ];
    const tokens = dictionary('<div>', '\\*(', '.de xx\n', '<<', '```\n', '\0', '<w:p>');
    const donors = docs.map((d) => d.bytes);
    const arb = fc.record({ doc: fc.nat(docs.length - 1), muts: mutations(tokens.length, donors.length), named: fc.boolean() })
      .map(({ doc, muts, named }): FuzzInput => ({ bytes: mutate(docs[doc]!.bytes, muts, tokens, donors), meta: named ? { name: docs[doc]!.name } : {} }));
    await fuzz('extract-worker', arb, (c) => checkOnPool(pool, c), { slowMs: FUZZ_TASK_TIMEOUT_MS + 5_000 });

    const ok = await pool.run<Extracted>({ bytes: files.get('ls.1')!, name: 'ls.1' });
    assert.equal(ok.title, 'LS(1)', 'the pool still extracts after the fuzzing');
  });
});
