/**
 * The index stage's order of writes, with the stores as recorders: a known document's old chunks go
 * before the new ones are written (an upsert over an old chunk would merge the metadata it no longer
 * has), one that moved leaves its old collection, and when a write fails after the old chunks are
 * gone the document is recorded failed, so that a re-ingest of the old version is not `unchanged`.
 */
import assert from 'node:assert/strict';
import { createIndexActor, type DocumentRecorder, type VectorIndex } from '../../actors/index/index.actor.js';
import type { ActorContext } from '../../src/actor/types.js';
import { DocflowError } from '../../src/errors/index.js';
import type { EmbeddedMessage } from '../../src/messages/pipeline.js';
import { silentLogger } from '../../src/log.js';

function message(over: Partial<EmbeddedMessage> = {}): EmbeddedMessage {
  const chunks = [0, 1].map((index) => ({ index, text: `chunk ${index}`, start: index * 8, end: index * 8 + 7, headingPath: [], size: 7 }));
  return {
    docId: 'd1', source: 'inline', metadata: { year: 2025 }, collection: 'docs', priority: 'normal', contentHash: 'b'.repeat(64), bytes: 16,
    acceptedAt: '2026-01-02T03:04:05.678Z', ingestSeq: 7, known: true, timings: {}, format: 'text', chunks, model: 'hash-v1', dimension: 2,
    vectors: new Uint8Array(new Float32Array([1, 0, 0, 1]).buffer), ...over,
  } as EmbeddedMessage;
}

function stores(failUpsert = false) {
  const calls: string[] = [];
  const index: VectorIndex = {
    collectionName: (base) => `col_${base}`,
    upsert: async (collection, records) => {
      calls.push(`upsert ${collection} ${records.map((r) => r.id).join(',')}`);
      if (failUpsert) throw new DocflowError('ERR_STORE_QUERY', 'Chroma refused the records');
    },
    deleteWhereDoc: async (collection, docId, keep) => { calls.push(`delete ${collection} ${docId} keep[${keep.join(',')}]`); },
  };
  const documents: DocumentRecorder = {
    recordIndexed: async (doc) => { calls.push(`indexed ${doc.id}`); },
    recordFailed: async (id, error) => { calls.push(`failed ${id} ${error.code}`); },
  };
  return { calls, index, documents };
}

const ctx = (attempt = 1): ActorContext => ({ signal: new AbortController().signal, log: silentLogger, attempt, emit: () => undefined });

describe('index stage: the order of its writes', () => {
  it('a new document is written without a scan for old chunks', async () => {
    const s = stores();
    await createIndexActor(s).handle(message({ known: false }), ctx());
    assert.deepEqual(s.calls, ['upsert col_docs d1:0,d1:1', 'indexed d1']);
  });

  it('a known document: its old chunks are deleted first, then written, then recorded', async () => {
    const s = stores();
    await createIndexActor(s).handle(message(), ctx());
    assert.deepEqual(s.calls, ['delete col_docs d1 keep[]', 'upsert col_docs d1:0,d1:1', 'indexed d1']);
  });

  it('a document that moved leaves the collection it was in', async () => {
    const s = stores();
    await createIndexActor(s).handle(message({ previousCollection: 'old' }), ctx());
    assert.deepEqual(s.calls, ['delete col_docs d1 keep[]', 'upsert col_docs d1:0,d1:1', 'delete col_old d1 keep[]', 'indexed d1']);
  });

  it('a write that fails after the old chunks are gone records the document failed, and the error goes on', async () => {
    const s = stores(true);
    await assert.rejects(Promise.resolve(createIndexActor(s).handle(message(), ctx())), (e: unknown) => e instanceof DocflowError && e.code === 'ERR_STORE_QUERY');
    assert.deepEqual(s.calls, ['delete col_docs d1 keep[]', 'upsert col_docs d1:0,d1:1', 'failed d1 ERR_STORE_QUERY']);
    const fresh = stores(true);
    await assert.rejects(Promise.resolve(createIndexActor(fresh).handle(message({ known: false }), ctx())));
    assert.deepEqual(fresh.calls, ['upsert col_docs d1:0,d1:1'], 'nothing was deleted: nothing to record');
  });
});
