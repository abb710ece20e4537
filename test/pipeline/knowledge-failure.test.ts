/**
 * A branch that gives up on a document: the knowledge stage beside embed → index. The document keeps
 * exactly one terminal result (index's `indexed`: its chunks are searchable); the branch reports its
 * failure on its `stage` result with the error and dead-letters the message; an ingest that waits for
 * the branch counts the document as failed, naming the branch. Real nats-server, PostgreSQL and Chroma;
 * the knowledge actor is one that refuses a marked document the way a store would.
 */
import assert from 'node:assert/strict';
import { DocflowError } from '../../src/errors/index.js';
import { DeadLetter, Result, type MessageKind } from '../../src/messages/index.js';
import type { ChunksMessage } from '../../src/messages/pipeline.js';
import { knowledgeStage } from '../../src/pipeline/stages.js';
import type { Actor } from '../../src/actor/types.js';
import type { StageDefinition } from '../../src/runtime/stage/types.js';
import { startPipeline, type PipelineHarness } from '../harness/pipeline.js';
import { readStream, waitFor } from '../harness/streams.js';

describe('a knowledge failure: one terminal result per document, the failure on the branch\'s stage result and in the DLQ', function () {
  this.timeout(180_000);
  let h: PipelineHarness;
  const seen: string[] = [];

  before(async () => {
    const actor: Actor<ChunksMessage, never[]> = {
      name: 'knowledge',
      async handle(msg) {
        seen.push(msg.docId);
        if (msg.docId === 'kn-bad') throw new DocflowError('ERR_STORE_QUERY', 'PostgreSQL refused the entities of kn-bad (22001 value too long)');
        return [];
      },
    };
    h = await startPipeline({
      pipeline: ['load', 'extract', 'split', 'embed', 'index'],
      overrides: { 'knowledge.enabled': true }, // split feeds the branch below
      stages: () => [knowledgeStage(actor) as unknown as StageDefinition<MessageKind, MessageKind>],
    });
  });
  after(async () => { await h?.[Symbol.asyncDispose](); });

  it('the document is indexed once, its branch reports the error, the ingest counts it failed, the DLQ has it', async () => {
    const docs = await h.ingest([
      { msg: { id: 'kn-good', text: 'Marie Curie worked in Paris. Her notes are still radioactive.' }, source: 'good' },
      { msg: { id: 'kn-bad', text: 'Pierre Curie taught physics in Paris. He married Marie Curie.' }, source: 'bad' },
    ], { waitForBranches: true });
    const good = docs.get('kn-good')!;
    const bad = docs.get('kn-bad')!;
    assert.deepEqual([good.status, good.line, good.failedBranch], ['indexed', 'indexed', undefined]);
    assert.deepEqual([bad.status, bad.line, bad.failedBranch, bad.error?.code], ['failed', 'indexed', 'knowledge', 'ERR_STORE_QUERY'], 'indexed by the line, failed by its branch');
    assert.deepEqual(seen.sort(), ['kn-bad', 'kn-good'], 'not retried: the error is not retryable');

    const t = h.node.transport;
    const events = async (docId: string) => (await readStream(t, 'RESULTS', Result)).filter((m) => m.subject.endsWith(`.results.${docId}`)).map((m) => m.message);
    await waitFor('both documents\' knowledge results in the stream', async () => (await events('kn-bad')).some((e) => e.stage === 'knowledge') && (await events('kn-good')).some((e) => e.stage === 'knowledge'));
    for (const id of ['kn-good', 'kn-bad']) {
      const terminal = (await events(id)).filter((e) => e.status === 'indexed' || e.status === 'unchanged' || e.status === 'failed');
      assert.deepEqual(terminal.map((e) => `${e.status}:${e.stage}`), ['indexed:index'], `${id}: exactly one terminal result, the line's`);
    }
    const branch = (await events('kn-bad')).filter((e) => e.stage === 'knowledge');
    assert.deepEqual(branch.map((e) => [e.status, e.error?.code, e.error?.retryable]), [['stage', 'ERR_STORE_QUERY', false]]);
    assert.deepEqual((await events('kn-good')).filter((e) => e.stage === 'knowledge').map((e) => [e.status, e.error]), [['stage', undefined]]);

    await waitFor('the dead letter', async () => (await readStream(t, 'DLQ', DeadLetter)).some((m) => m.message.docId === 'kn-bad'));
    const dead = (await readStream(t, 'DLQ', DeadLetter)).map((m) => m.message);
    assert.deepEqual(dead.map((m) => [m.docId, m.stage, m.error.code, m.attempt]), [['kn-bad', 'knowledge', 'ERR_STORE_QUERY', 1]]);
  });
});
