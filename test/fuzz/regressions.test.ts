/**
 * Replays every kept crasher (test/fixtures/fuzz/regressions/<target>/*.bin) against its target:
 * each may now only fail with a typed error, and a kept hang must end within the hang limit. First adopts the in-flight input of any fuzz run whose
 * process died, so a crash of the process itself is kept too.
 */
import assert from 'node:assert/strict';
import type { WorkerPool } from '../../src/pool/index.js';
import { SHARES, type Target } from './budget.js';
import { checkDecode, checkExtract, checkOnPool, extractPool } from './checks.js';
import { HANG_MS } from './harness.js';
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
        const started = performance.now();
        await assert.doesNotReject(async () => replay(target, r), `${r.file} (kept because: ${r.why})`);
        const ms = performance.now() - started;
        // A kept hang passes only if it is now bounded, not if it merely ends.
        if (r.why.startsWith('hang')) assert.ok(ms <= HANG_MS, `${r.file} still hangs: ${Math.round(ms)} ms (the limit is ${HANG_MS} ms)`);
      }
    });
  }
});
