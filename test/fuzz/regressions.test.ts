/**
 * Replays every kept crasher (test/fixtures/fuzz/regressions/<target>/*.bin) against its target:
 * each may now only fail with a typed error. First adopts the in-flight input of any fuzz run whose
 * process died, so a crash of the process itself is kept too.
 */
import assert from 'node:assert/strict';
import type { WorkerPool } from '../../src/pool/index.js';
import { SHARES, type Target } from './budget.js';
import { checkDecode, checkExtract, checkOnPool, extractPool } from './checks.js';
import { adoptOrphans, loadRegressions, type Regression } from './regressions.js';

describe('fuzz: regressions (every input that ever crashed a target)', function () {
  this.timeout(0);
  // Before the tests are defined, so that an adopted input is replayed with the rest.
  for (const file of adoptOrphans()) console.log(`      kept the input a dead fuzz process was running: ${file}`);
  let pool: WorkerPool;
  before(() => {
    pool = extractPool();
  });
  after(() => pool.close());

  const replay = async (target: Target, r: Regression): Promise<string> => {
    if (target.startsWith('decode-')) return checkDecode(r);
    if (target === 'extract-worker') return checkOnPool(pool, r);
    return checkExtract(r);
  };

  for (const target of Object.keys(SHARES) as Target[]) {
    it(`${target}: every kept input now fails only with a typed error`, async () => {
      for (const r of loadRegressions(target)) {
        await assert.doesNotReject(async () => replay(target, r), `${r.file} (kept because: ${r.why})`);
      }
    });
  }
});
