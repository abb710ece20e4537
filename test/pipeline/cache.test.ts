import assert from 'node:assert/strict';
import type { IngestMessage } from '../../src/messages/index.js';
import { SearchReply, SearchRequest } from '../../src/messages/pipeline.js';
import { startPipeline, type PipelineHarness } from '../harness/pipeline.js';
import { startRedis, type RedisHarness } from '../harness/redis.js';
import { waitFor } from '../harness/streams.js';
import { startEmbeddingsServer, type EmbeddingsServer } from '../fixtures/embeddings-server.js';

const WORDS = ['harbour', 'lantern', 'glacier', 'meadow', 'copper', 'violin', 'orchard', 'compass', 'thimble', 'falcon', 'basalt', 'saffron'];
/** A text of a few paragraphs, different per `n`. */
function text(n: number): string {
  const w = (i: number) => WORDS[(n * 7 + i * 3) % WORDS.length];
  return Array.from({ length: 4 }, (_, p) => `Paragraph ${p} of note ${n}: the ${w(p)} and the ${w(p + 1)} met near the ${w(p + 2)} at dawn.`).join('\n\n');
}
const docs = (prefix: string, from: number, n: number): Array<{ msg: IngestMessage; source: string }> =>
  Array.from({ length: n }, (_, i) => ({ msg: { id: `${prefix}-${from + i}`, text: text(from + i) }, source: `${prefix}-${from + i}` }));

describe('the cache in the pipeline: embeddings never paid twice, Redis may die, answers invalidated', function () {
  this.timeout(240_000);
  let h: PipelineHarness;
  let redis: RedisHarness;
  let embeddings: EmbeddingsServer;
  const stats = () => h.node.stores!.cache.stats();

  before(async () => {
    redis = await startRedis();
    embeddings = await startEmbeddingsServer({ dimension: 32 });
    h = await startPipeline({
      overrides: {
        'embed.provider': 'http', 'embed.dimension': 32, 'embed.http.url': embeddings.url, 'embed.http.model': 'test-embedder',
        'cache.l2.url': redis.url, 'knowledge.enabled': false, 'split.unit': 'chars', 'split.chunkSize': 120, 'split.chunkOverlap': 0,
      },
    });
  });
  after(async () => {
    await h?.[Symbol.asyncDispose]();
    await embeddings?.close();
    await redis?.[Symbol.asyncDispose]();
  });

  it('re-ingesting the corpus under new ids (cache warm) makes zero embedding calls', async () => {
    const first = await h.ingest(docs('a', 0, 20));
    assert.ok([...first.values()].every((d) => d.status === 'indexed'));
    const chunks = [...first.values()].reduce((n, d) => n + (d.chunks ?? 0), 0);
    assert.ok(embeddings.inputs >= chunks, `${embeddings.inputs} texts embedded for ${chunks} chunks`);
    const calls = embeddings.calls;
    const second = await h.ingest(docs('b', 0, 20)); // same texts, other documents
    assert.ok([...second.values()].every((d) => d.status === 'indexed'));
    assert.equal(embeddings.calls, calls, 'no embedding call for chunks seen before');
    assert.ok(stats().l1.hits > 0);
  });

  it('Redis killed mid-run: no document fails; after its restart L2 serves hits again', async () => {
    await redis.kill();
    const during = await h.ingest(docs('c', 100, 10)); // new texts: embedded, cached in L1 and L3
    assert.deepEqual([...during.values()].map((d) => d.status), Array(10).fill('indexed'));
    await waitFor('L2 marked degraded', () => stats().l2.degraded === true, 10_000, 100);
    await redis.start();
    await waitFor('L2 back', () => stats().l2.degraded === false, 20_000, 200);
    await h.ingest(docs('d', 200, 5)); // new texts go to L2 again
    h.node.stores!.cache.trim(1); // forget L1, so the next reads must come from the shared levels
    const hitsBefore = (stats().l2 as { hits?: number }).hits ?? 0;
    const calls = embeddings.calls;
    const again = await h.ingest(docs('e', 200, 5));
    assert.deepEqual([...again.values()].map((d) => d.status), Array(5).fill('indexed'));
    assert.equal(embeddings.calls, calls);
    assert.ok(((stats().l2 as { hits?: number }).hits ?? 0) > hitsBefore, 'hits at L2 after Redis came back');
  });

  it('a cached search answer is invalidated when an ingest changes its collection', async () => {
    const t = h.node.transport;
    const ask = () => t.request(t.subject('query.search'), SearchRequest, { text: 'zeppelin quokka', k: 3 }, SearchReply);
    const before = await ask();
    assert.ok(before.results.every((r) => !r.text.includes('zeppelin')));
    assert.deepEqual((await ask()).results.map((r) => r.id), before.results.map((r) => r.id), 'same answer from the cache');
    await h.ingest([{ msg: { id: 'zep', text: 'A zeppelin carried a quokka over the bay.' }, source: 'zep' }]);
    const after = await ask();
    assert.equal(after.results[0]?.docId, 'zep', 'the new document is found: the old answer was dropped');
  });
});
