import assert from 'node:assert/strict';
import { ChromaClient } from 'chromadb';
import { ChromaIndex, collectionName, type VectorRecord } from '../../src/stores/chroma.js';
import { DocflowError } from '../../src/errors/index.js';
import { useChroma } from '../harness/chroma.js';

const isCode = (code: string) => (e: unknown) => e instanceof DocflowError && e.code === code;

/** A deterministic pseudo-random generator, so failures can be replayed. */
function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (Math.imul(s ^ (s >>> 15), 0x2c1b3c6d) + 0x6d2b79f5) >>> 0;
    return s / 0x1_0000_0000 - 0.5;
  };
}

function cosine(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let dot = 0;
  let na = 0;
  let nb = 0;
  for (let i = 0; i < a.length; i++) {
    dot += a[i]! * b[i]!;
    na += a[i]! * a[i]!;
    nb += b[i]! * b[i]!;
  }
  return dot / Math.sqrt(na * nb);
}

describe('stores: ChromaIndex', () => {
  const chroma = useChroma();
  let index: ChromaIndex;
  before(async () => { index = await ChromaIndex.connect(chroma().url); });

  it('finds the nearest chunks first, with score = 1 - cosine distance', async () => {
    const col = chroma().collection();
    const next = rng(7);
    const records: VectorRecord[] = Array.from({ length: 40 }, (_, i) => ({
      id: `c${i}`,
      embedding: Float32Array.from({ length: 8 }, next),
      document: `chunk ${i}`,
      metadata: { docId: `d${i % 4}`, n: i },
    }));
    await index.upsert(col, records);
    const q = Float32Array.from({ length: 8 }, next);
    const hits = await index.query(col, q, 10);
    const expected = records.map((r) => ({ id: r.id, cos: cosine(q, r.embedding) })).sort((a, b) => b.cos - a.cos).slice(0, 10);
    assert.deepEqual(hits.map((h) => h.id), expected.map((e) => e.id));
    hits.forEach((h, i) => {
      assert.ok(Math.abs(h.score - expected[i]!.cos) < 1e-5, `${h.id}: score ${h.score} vs cosine ${expected[i]!.cos}`);
      assert.ok(Math.abs(h.score - (1 - h.distance)) < 1e-12);
      assert.equal(h.document, `chunk ${h.id.slice(1)}`);
      assert.deepEqual(h.metadata, { docId: `d${Number(h.id.slice(1)) % 4}`, n: Number(h.id.slice(1)) });
    });
    // a vector scaled by 10 has the same direction: cosine ignores length
    const same = await index.query(col, Array.from(records[5]!.embedding, (x) => x * 10), 1);
    assert.equal(same[0]!.id, 'c5');
    assert.ok(same[0]!.score > 0.9999);
  });

  it('upserts more records than the server takes in one request, in batches', async () => {
    const col = chroma().collection();
    const max = await index.maxBatchSize();
    assert.ok(max > 0);
    const n = max + 37;
    const next = rng(11);
    const records: VectorRecord[] = Array.from({ length: n }, (_, i) => ({ id: `big-${i}`, embedding: [next(), next(), next(), next()], document: `d${i}`, metadata: { docId: 'big' } }));
    await index.upsert(col, records);
    assert.equal(await index.count(col), n);
    // upserting again replaces, it does not add
    await index.upsert(col, records.slice(0, 100).map((r) => ({ ...r, document: 'changed' })));
    assert.equal(await index.count(col), n);
    // and the deletion of most of them is batched as well
    const keep = records.slice(0, 10).map((r) => r.id);
    const deleted = await index.deleteWhereDoc(col, 'big', keep);
    assert.equal(deleted.length, n - 10);
    assert.equal(await index.count(col), 10);
  });

  it('filters by equality, range, membership and several keys at once', async () => {
    const col = chroma().collection();
    const records: VectorRecord[] = Array.from({ length: 12 }, (_, i) => ({
      id: `f${i}`,
      embedding: [1, i / 12, 0.5],
      document: `doc ${i}`,
      metadata: { docId: `d${i}`, lang: i % 2 === 0 ? 'en' : 'fr', year: 2000 + i, tag: `t${i % 3}`, draft: i > 8 },
    }));
    await index.upsert(col, records);
    const ids = async (where: unknown) => (await index.query(col, [1, 0.3, 0.5], 50, where)).map((h) => h.id).sort();
    const expect = (pred: (i: number) => boolean) => records.map((_, i) => i).filter(pred).map((i) => `f${i}`).sort();
    assert.deepEqual(await ids({ lang: 'en' }), expect((i) => i % 2 === 0));
    assert.deepEqual(await ids({ draft: true }), expect((i) => i > 8));
    assert.deepEqual(await ids({ year: { min: 2003, max: 2006 } }), expect((i) => i >= 3 && i <= 6));
    assert.deepEqual(await ids({ year: { min: 2010 } }), expect((i) => i >= 10));
    assert.deepEqual(await ids({ tag: { in: ['t0', 't2'] } }), expect((i) => i % 3 !== 1));
    assert.deepEqual(await ids({ lang: 'fr', year: { max: 2007 }, tag: { in: ['t1', 't0'] } }), expect((i) => i % 2 === 1 && i <= 7 && i % 3 !== 2));
    assert.deepEqual(await ids({ lang: '$ne' }), [], 'an operator-looking value is just a value');
  });

  it('rejects hostile filters with ERR_QUERY_INVALID before asking the server', async () => {
    for (const where of [{ $or: [{ lang: 'en' }, { lang: 'fr' }] }, { '#document': 'x' }, { lang: { $ne: 'en' } }, { year: { min: '2000' } }, { a: { in: [1, 'x'] } }]) {
      await assert.rejects(index.query('no-such-collection', [1, 0, 0], 5, where), isCode('ERR_QUERY_INVALID'), JSON.stringify(where));
    }
  });

  it('deleteWhereDoc removes only that document\'s vectors outside the kept set', async () => {
    const col = chroma().collection();
    const rec = (id: string, docId: string): VectorRecord => ({ id, embedding: [1, 2, 3], document: id, metadata: { docId } });
    await index.upsert(col, [rec('a0', 'A'), rec('a1', 'A'), rec('a2', 'A'), rec('a3', 'A'), rec('b0', 'B'), rec('b1', 'B')]);
    assert.deepEqual((await index.deleteWhereDoc(col, 'A', ['a1', 'a3', 'b0'])).sort(), ['a0', 'a2']);
    assert.deepEqual((await index.query(col, [1, 2, 3], 10)).map((h) => h.id).sort(), ['a1', 'a3', 'b0', 'b1']);
    assert.deepEqual(await index.deleteWhereDoc(col, 'A', ['a1', 'a3']), [], 'nothing left to delete');
    assert.deepEqual((await index.deleteWhereDoc(col, 'B', [])).sort(), ['b0', 'b1']);
    assert.equal(await index.count(col), 2);
    assert.deepEqual(await index.deleteWhereDoc(chroma().collection(), 'A', []), [], 'a missing collection has nothing to delete');
  });

  it('treats a missing collection as empty for counts and as ERR_QUERY_COLLECTION for searches', async () => {
    const col = chroma().collection();
    assert.equal(await index.count(col), 0);
    await assert.rejects(index.query(col, [1, 0, 0], 3), isCode('ERR_QUERY_COLLECTION'));
    await index.upsert(col, [{ id: 'x', embedding: [1, 0, 0], document: 'x', metadata: { docId: 'X' } }]);
    assert.ok((await index.listCollections()).includes(col));
    await index.deleteCollection(col);
    assert.ok(!(await index.listCollections()).includes(col));
    await index.deleteCollection(col); // twice is fine
    await assert.rejects(index.query(col, [1, 0, 0], 3), isCode('ERR_QUERY_COLLECTION'), 'the cached handle is not trusted after deletion');
  });

  it('reopens a collection that another process dropped and made again', async () => {
    const col = chroma().collection();
    const other = await ChromaIndex.connect(chroma().url);
    await index.upsert(col, [{ id: 'old', embedding: [1, 0, 0], document: 'old', metadata: { docId: 'D' } }]);
    assert.equal(await index.count(col), 1); // `index` now holds a handle to the first collection
    await other.deleteCollection(col);
    await other.upsert(col, [{ id: 'new', embedding: [1, 0, 0], document: 'new', metadata: { docId: 'D' } }, { id: 'new2', embedding: [0, 1, 0], document: 'new2', metadata: { docId: 'D' } }]);
    assert.equal(await index.count(col), 2);
    assert.equal((await index.query(col, [1, 0, 0], 1))[0]!.document, 'new');
  });

  it('keeps the vectors of different models in different collections', async () => {
    const a = collectionName(chroma().collection(), 'model-a', 3);
    const b = collectionName(a, 'model-b', 3);
    await index.upsert(a, [{ id: 'same-id', embedding: [1, 0, 0], document: 'from a', metadata: { docId: 'D' } }]);
    await index.upsert(b, [{ id: 'same-id', embedding: [0, 1, 0], document: 'from b', metadata: { docId: 'D' } }]);
    assert.equal((await index.query(a, [0, 1, 0], 1))[0]!.document, 'from a');
    assert.equal((await index.query(b, [0, 1, 0], 1))[0]!.document, 'from b');
  });

  it('validates records, k and query vectors', async () => {
    const col = chroma().collection();
    const ok: VectorRecord = { id: 'r', embedding: [1, 0, 0], document: 'r', metadata: { docId: 'D' } };
    for (const bad of [
      [{ ...ok, metadata: {} }],
      [ok, { ...ok, id: 'r2', embedding: [1, 0] }],
      [{ ...ok, embedding: [Number.NaN, 0, 0] }],
      [ok, ok],
      [{ ...ok, metadata: { docId: 'D', bad: { nested: 1 } as unknown as string } }],
    ]) {
      await assert.rejects(index.upsert(col, bad), isCode('ERR_STORE_QUERY'));
    }
    await index.upsert(col, [ok]);
    await assert.rejects(index.query(col, [1, 0, 0], 0), isCode('ERR_QUERY_INVALID'));
    await assert.rejects(index.query(col, [1, 0, 0], 1.5), isCode('ERR_QUERY_INVALID'));
    await assert.rejects(index.query(col, [1, 0, 0], 100_000), isCode('ERR_QUERY_LIMIT'));
    await assert.rejects(index.query(col, [], 1), isCode('ERR_QUERY_INVALID'));
    await assert.rejects(index.query(col, [1, Number.POSITIVE_INFINITY, 0], 1), isCode('ERR_QUERY_INVALID'));
    await assert.rejects(index.query(col, [1, 0], 1), isCode('ERR_QUERY_INVALID'), 'wrong dimension');
    await assert.rejects(index.upsert('a..b', [ok]), isCode('ERR_STORE_QUERY'));
  });

  it('refuses a collection that does not measure cosine distance', async () => {
    const col = chroma().collection();
    const raw = new ChromaClient({ host: new URL(chroma().url).hostname, port: Number(new URL(chroma().url).port) });
    await raw.createCollection({ name: col, embeddingFunction: null, configuration: { hnsw: { space: 'l2' } } });
    await assert.rejects(index.upsert(col, [{ id: 'x', embedding: [1, 0, 0], document: 'x', metadata: { docId: 'X' } }]), (e: unknown) => isCode('ERR_STORE_QUERY')(e) && /cosine/.test((e as Error).message));
  });

  it('reports an unreachable server as ERR_STORE_UNAVAILABLE, retryable, on connect or on first use', async () => {
    const unavailable = (e: unknown) => isCode('ERR_STORE_UNAVAILABLE')(e) && (e as DocflowError).retryable;
    await assert.rejects(ChromaIndex.connect('http://127.0.0.1:1'), unavailable);
    const lazy = new ChromaIndex('http://127.0.0.1:1');
    await assert.rejects(lazy.upsert('some-collection', [{ id: 'x', embedding: [1], document: 'x', metadata: { docId: 'X' } }]), unavailable);
    await assert.rejects(lazy.query('some-collection', [1], 1), unavailable);
    await assert.rejects(lazy.count('some-collection'), unavailable);
    assert.throws(() => new ChromaIndex('not a url'), isCode('ERR_CONFIG_INVALID'));
    assert.throws(() => new ChromaIndex('ftp://127.0.0.1:8000'), isCode('ERR_CONFIG_INVALID'));
  });
});
