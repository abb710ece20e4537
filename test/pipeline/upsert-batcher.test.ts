import assert from 'node:assert/strict';
import { ChromaIndex } from '../../src/stores/chroma.js';
import { UpsertBatcher } from '../../src/pipeline/upsert-batcher.js';
import { useChroma } from '../harness/chroma.js';

describe('UpsertBatcher (real Chroma)', function () {
  this.timeout(60_000);
  const chroma = useChroma();

  const record = (id: string, docId: string, x: number) => ({ id, embedding: new Float32Array([x, 1, 0, 0]), document: `text of ${id}`, metadata: { docId } });

  it('coalesces concurrent documents into one call, and a document delivered twice into the same call is written once', async () => {
    const index = await ChromaIndex.connect(chroma().url);
    const batcher = new UpsertBatcher(index, { maxRecords: 100 });
    const collection = index.collectionName('batcher', 'test', 4);
    // The first call goes at once; the next three wait for it and go together, two of them the same document.
    await Promise.all([
      batcher.upsert(collection, [record('a:0', 'a', 1)]),
      batcher.upsert(collection, [record('b:0', 'b', 2), record('b:1', 'b', 3)]),
      batcher.upsert(collection, [record('c:0', 'c', 4)]),
      batcher.upsert(collection, [record('b:0', 'b', 2), record('b:1', 'b', 3)]),
    ]);
    assert.deepEqual(batcher.stats().calls, 2, 'the three waiting documents went in one call');
    assert.equal(await index.count(collection), 4);
  });
});
