/**
 * Structured logs about documents: every line the stages write about a document carries its id and
 * the stage (and the delivery), so `grep '"docId":"x"'` tells a document's story across stages.
 * Real pipeline, debug level, JSON lines captured.
 */
import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { setTimeout as sleep } from 'node:timers/promises';
import { createLogger } from '../../src/log.js';
import { startPipeline, type PipelineHarness } from '../harness/pipeline.js';

interface Line { level: number; msg: string; docId?: string; stage?: string; seq?: number; attempt?: number; err?: { code?: string } }

describe('logs: every line about a document names the document and the stage', function () {
  this.timeout(120_000);
  let h: PipelineHarness;
  let out = '';

  before(async () => {
    const sink = new Writable({ write(c: Buffer, _e, cb) { out += c.toString(); cb(); } });
    h = await startPipeline({ logger: createLogger({ level: 'debug', destination: sink }) });
  });
  after(async () => h?.[Symbol.asyncDispose]());

  it('a failed document has its dead-lettering line (docId, stage, delivery, error code); a good one a line per stage; no document line lacks its stage', async () => {
    const done = await h.ingest([
      { msg: { id: 'log-good', text: 'A well-behaved document that every stage logs about at debug level.' } },
      { msg: { id: 'log-bad', uri: 'file:///etc/passwd' } },
    ]);
    assert.equal(done.get('log-good')?.status, 'indexed');
    assert.equal(done.get('log-bad')?.status, 'failed');
    // A stage logs `processed` after it has published its outputs and its result and acked, so the
    // terminal result can arrive before index (and knowledge, a branch) have logged: wait for every
    // stage's line, up to 10 s, rather than for one of them.
    const stages = ['embed', 'extract', 'index', 'knowledge', 'load', 'split'];
    const parse = () => out.split('\n').filter(Boolean).map((l) => JSON.parse(l) as Line);
    const processedBy = (lines: Line[]) => new Set(lines.filter((l) => l.docId === 'log-good' && l.msg === 'processed').map((l) => l.stage));
    for (let i = 0; i < 100 && processedBy(parse()).size < stages.length; i++) await sleep(100);
    const lines = parse();
    const bad = lines.filter((l) => l.docId === 'log-bad');
    const dead = bad.find((l) => l.msg === 'message failed; dead-lettering');
    assert.ok(dead, `a dead-lettering line for log-bad, among: ${bad.map((l) => l.msg).join(' | ')}`);
    assert.equal(dead.stage, 'load');
    assert.match(dead.err?.code ?? '', /^ERR_LOAD_/);
    assert.ok(typeof dead.seq === 'number' && typeof dead.attempt === 'number', 'the delivery is named');
    assert.deepEqual([...processedBy(lines)].sort(), stages, 'at debug level, a line per stage that processed the good document');
    const orphans = lines.filter((l) => l.docId !== undefined && l.stage === undefined);
    assert.deepEqual(orphans.map((l) => l.msg), [], 'lines with a docId but no stage');
  });
});
