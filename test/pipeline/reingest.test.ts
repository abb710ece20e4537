/**
 * Re-ingesting a document with other metadata or into another collection: the metadata is part of
 * what makes a document unchanged, the chunks carry exactly the new metadata (an upsert over an old
 * chunk would keep the keys it no longer has), and a document that moves leaves its old collection.
 * Real nats-server, PostgreSQL and Chroma.
 */
import assert from 'node:assert/strict';
import { SearchReply, SearchRequest } from '../../src/messages/pipeline.js';
import type { IngestMessage } from '../../src/messages/index.js';
import { startPipeline, type PipelineHarness } from '../harness/pipeline.js';

const TEXT = 'Wombats leave cube-shaped droppings on rocks and logs to mark their territory at night.';

describe('re-ingest: metadata and collection changes re-index the document, and nothing of the old version stays', function () {
  this.timeout(180_000);
  let h: PipelineHarness;

  before(async () => { h = await startPipeline({ pipeline: ['load', 'extract', 'split', 'embed', 'index'] }); });
  after(async () => { await h?.[Symbol.asyncDispose](); });

  const ingest = async (msg: IngestMessage) => (await h.ingest([{ msg, source: msg.id ?? '?' }])).get(msg.id!)!;
  const search = async (where?: Record<string, string | number | boolean>, collection?: string) => {
    const t = h.node.transport;
    const reply = await t.request(t.subject('query.search'), SearchRequest, { text: 'wombats cube droppings', k: 10, ...(where ? { where } : {}), ...(collection ? { collection } : {}) }, SearchReply);
    return reply.results.filter((r) => r.docId === 'wombat');
  };

  it('new metadata re-indexes; the chunks carry exactly it; the same again is unchanged', async () => {
    assert.equal((await ingest({ id: 'wombat', text: TEXT, metadata: { team: 'marsupials', year: 2024 } })).status, 'indexed');
    assert.equal((await search({ team: 'marsupials' })).length, 1);
    assert.equal((await ingest({ id: 'wombat', text: TEXT, metadata: { team: 'marsupials', year: 2024 } })).status, 'unchanged');

    const again = await ingest({ id: 'wombat', text: TEXT, metadata: { year: 2025 } });
    assert.equal(again.status, 'indexed', 'other metadata is not unchanged');
    assert.deepEqual(await search({ team: 'marsupials' }), [], 'a key the document no longer has matches nothing');
    const [hit] = await search({ year: 2025 });
    assert.ok(hit, 'found by its new metadata');
    assert.equal(hit.metadata['team'], undefined);
    assert.equal(hit.metadata['year'], 2025);
    assert.equal((await ingest({ id: 'wombat', text: TEXT, metadata: { year: 2025 } })).status, 'unchanged');
  });

  it('a document moved to another collection leaves the one it was in', async () => {
    const base = h.config.index.collection;
    assert.equal((await search(undefined, base)).length, 1);
    assert.equal((await ingest({ id: 'wombat', text: TEXT, metadata: { year: 2025 }, collection: 'burrows' })).status, 'indexed');
    assert.equal((await search(undefined, 'burrows')).length, 1, 'in the new collection');
    assert.deepEqual(await search(undefined, base), [], 'gone from the old one');
  });
});
