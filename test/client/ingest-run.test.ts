import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { lastValueFrom, toArray } from 'rxjs';
import { DocflowClient } from '../../src/client/index.js';
import { IngestRun } from '../../src/client/ingest-run.js';
import { Result, type ResultMessage } from '../../src/messages/index.js';
import { Transport } from '../../src/transport/index.js';
import { useNats } from '../harness/nats.js';

/**
 * When an ingest counts a document as ended, on a real nats-server with results published by hand:
 * an indexed document waits for the branches split announced it was fed to (knowledge), so that what
 * the document said is queryable when the ingest ends; a branch's failure makes the document failed.
 */
describe('IngestRun: when a document has ended', function () {
  this.timeout(30_000);
  const nats = useNats();
  let t: Transport;

  beforeEach(async () => {
    t = await Transport.connect(nats().config());
    await t.ensureTopology();
  });
  afterEach(async () => { await t.close(); });

  const result = async (docId: string, status: ResultMessage['status'], stage: string, extra: Partial<ResultMessage> = {}): Promise<void> => {
    t.publishCore(t.subject(`results.${docId}`), Result, { docId, status, stage, at: new Date().toISOString(), ...extra });
    await t.flush();
  };
  const start = async (ids: string[], opts: { waitForBranches?: boolean } = {}): Promise<IngestRun> => {
    const run = new IngestRun(t, opts);
    await run.ready();
    await run.publish(ids.map((id) => ({ msg: { id, text: `document ${id}` } })));
    return run;
  };
  /** Whether `run` ends within `ms` (results published before were all flushed to the server). */
  const endsWithin = (run: IngestRun, ms: number): Promise<boolean> => Promise.race([run.done.then(() => true), sleep(ms).then(() => false)]);

  it('an indexed document waits for the knowledge branch; unchanged and failed ones do not', async () => {
    const run = await start(['a', 'b', 'c']);
    await result('a', 'stage', 'split', { branches: ['knowledge'] });
    await result('a', 'indexed', 'index', { chunks: 3 });
    await result('b', 'unchanged', 'load', { chunks: 2 });
    await result('c', 'failed', 'embed', { error: { code: 'ERR_EMBED_PROVIDER', message: 'down' } });
    assert.equal(await endsWithin(run, 400), false, 'a is indexed but its knowledge is not stored yet');
    const a = run.docs.get('a')!;
    assert.equal(a.line, 'indexed');
    assert.equal(a.status, undefined);
    assert.deepEqual(pick(run.figures()), { indexed: 0, unchanged: 1, failed: 1, chunks: 2, knowledge: 0 });

    await result('a', 'stage', 'knowledge');
    assert.equal(await endsWithin(run, 5_000), true);
    assert.equal(a.status, 'indexed');
    assert.deepEqual(pick(run.figures()), { indexed: 1, unchanged: 1, failed: 1, chunks: 5, knowledge: 1 });
    run.close();
  });

  it('a branch that reports first counts; a branch failure makes the indexed document failed, with its error', async () => {
    const run = await start(['d', 'e']);
    for (const id of ['d', 'e']) await result(id, 'stage', 'split', { branches: ['knowledge'] });
    await result('d', 'stage', 'knowledge');
    // as the runner reports a branch that gave up: its `stage` result with the error (no second terminal)
    await result('e', 'stage', 'knowledge', { error: { code: 'ERR_KNOWLEDGE_STORE', message: 'PostgreSQL refused the write' } });
    assert.equal(run.docs.get('e')!.status, undefined, 'a branch never ends a document by itself');
    await result('d', 'indexed', 'index', { chunks: 1 });
    assert.equal(await endsWithin(run, 400), false, 'e has no line result yet');
    assert.equal(run.docs.get('d')!.status, 'indexed');
    await result('e', 'indexed', 'index', { chunks: 4 });
    assert.equal(await endsWithin(run, 5_000), true);
    const e = run.docs.get('e')!;
    assert.deepEqual([e.status, e.line, e.failedBranch, e.error?.code], ['failed', 'indexed', 'knowledge', 'ERR_KNOWLEDGE_STORE']);
    assert.deepEqual(pick(run.figures()), { indexed: 1, unchanged: 0, failed: 1, chunks: 1, knowledge: 1 }, 'the knowledge count is of documents it passed');
    run.close();
  });

  it('a document split fed to no branch (knowledge off) ends at the line\'s terminal result', async () => {
    const run = await start(['f']);
    await result('f', 'stage', 'split');
    await result('f', 'indexed', 'index', { chunks: 2 });
    assert.equal(await endsWithin(run, 5_000), true);
    assert.equal(run.docs.get('f')!.status, 'indexed');
    run.close();
  });

  it('results(docId) completes after the knowledge branch of an indexed document; a branch failure does not end it', async () => {
    const client = await DocflowClient.connect({ servers: [nats().url], subjectPrefix: t.config.subjectPrefix });
    try {
      const events = lastValueFrom(client.results('h').pipe(toArray()));
      const plain = lastValueFrom(client.results('h', { waitForBranches: false }).pipe(toArray()));
      await client.transport.flush(); // both subscriptions reach the server before the first event (a PING answered after the SUBs)
      await result('h', 'stage', 'split', { branches: ['knowledge'] });
      // as an older knowledge stage reported giving up: a `failed` result of the branch
      await result('h', 'failed', 'knowledge', { error: { code: 'ERR_KNOWLEDGE_STORE', message: 'refused' } });
      await result('h', 'indexed', 'index', { chunks: 2 });
      await result('h', 'stage', 'split'); // a later event: neither follower takes it
      const got = await events;
      assert.deepEqual(got.map((e) => `${e.status}:${e.stage}`), ['stage:split', 'failed:knowledge', 'indexed:index']);
      assert.deepEqual((await plain).map((e) => e.status), ['stage', 'failed', 'indexed'], 'without waiting for branches it still ends at the line\'s result');

      const i = lastValueFrom(client.results('i').pipe(toArray()));
      await client.transport.flush();
      await result('i', 'stage', 'split', { branches: ['knowledge'] });
      await result('i', 'indexed', 'index', { chunks: 1 });
      await result('i', 'stage', 'knowledge');
      await result('i', 'stage', 'index');
      assert.deepEqual((await i).map((e) => `${e.status}:${e.stage}`), ['stage:split', 'indexed:index', 'stage:knowledge']);
    } finally {
      await client.close();
    }
  });

  it('waitForBranches: false ends an indexed document at once', async () => {
    const run = await start(['g'], { waitForBranches: false });
    await result('g', 'stage', 'split', { branches: ['knowledge'] });
    await result('g', 'indexed', 'index', { chunks: 2 });
    assert.equal(await endsWithin(run, 5_000), true);
    assert.equal(run.docs.get('g')!.status, 'indexed');
    assert.equal('knowledge' in run.figures().stages, false);
    run.close();
  });
});

function pick(f: ReturnType<IngestRun['figures']>): Record<string, number> {
  return { indexed: f.indexed, unchanged: f.unchanged, failed: f.failed, chunks: f.chunks, knowledge: f.stages['knowledge'] ?? 0 };
}
