import assert from 'node:assert/strict';
import { createHash, randomUUID } from 'node:crypto';
import { Database, migrate } from '../../src/stores/postgres/index.js';
import { DocumentStore, type ChunkRow, type IndexedDocument } from '../../src/stores/documents.js';
import { DocflowError } from '../../src/errors/index.js';
import { usePostgres } from '../harness/postgres.js';

const isCode = (code: string) => (e: unknown) => e instanceof DocflowError && e.code === code;

function chunk(docId: string, index: number, text: string, extra: Partial<ChunkRow> = {}): ChunkRow {
  return { id: `${docId}:${index}:${text.length}`, index, text, size: text.length, contentHash: `h-${text}`, ...extra };
}

function doc(id: string, contentHash: string, chunks: ChunkRow[], extra: Partial<IndexedDocument> = {}): IndexedDocument {
  return { id, collection: 'docs', source: `file:///corpus/${id}.txt`, mime: 'text/plain', format: 'text', contentHash, bytes: 1234, attempts: 1, timings: { load: 1, embed: 20 }, metadata: { lang: 'en' }, embedModel: 'fake-8', chunks, ...extra };
}

const failure = { code: 'ERR_EXTRACT_CORRUPT', message: 'the file is damaged', retryable: false };

describe('stores: DocumentStore', () => {
  const postgres = usePostgres();
  let db: Database;
  let store: DocumentStore;
  const newId = () => `doc-${randomUUID().slice(0, 8)}`;

  before(async () => {
    db = await Database.connect(postgres().url, { max: 4 });
    await migrate(db);
    store = new DocumentStore(db);
  });
  after(async () => { await db.close(); });

  it('records an indexed document with its chunks, and reads it back', async () => {
    const id = newId();
    const chunks = [chunk(id, 0, 'first', { headingPath: ['Intro', 'Scope'], page: 1, start: 0, end: 5, metadata: { lang: 'en', n: 1 } }), chunk(id, 1, 'second', { contentHash: undefined })];
    assert.deepEqual(await store.recordIndexed(doc(id, 'H1', chunks)), []);
    const got = await store.get(id);
    assert.ok(got);
    assert.equal(got.status, 'indexed');
    assert.equal(got.chunks, 2);
    assert.equal(got.contentHash, 'H1');
    assert.equal(got.bytes, 1234);
    assert.deepEqual(got.timings, { load: 1, embed: 20 });
    assert.deepEqual(got.metadata, { lang: 'en' });
    assert.equal(got.embedModel, 'fake-8');
    assert.equal(got.error, null);
    assert.match(got.createdAt, /^\d{4}-\d\d-\d\dT/);
    assert.deepEqual(await store.chunkIds(id), chunks.map((c) => c.id));
    const stored = await store.chunks(id);
    assert.deepEqual(stored[0], chunks[0]);
    assert.deepEqual(stored[1], { ...chunks[1], start: null, end: null, page: null, headingPath: [], metadata: {}, contentHash: createHash('sha256').update('second').digest('hex') }, 'defaults, and a content hash computed from the text');
    assert.equal(await store.get('no-such-doc'), undefined);
  });

  it('replaces the chunk set of a changed document exactly, returning the ids it deleted', async () => {
    const id = newId();
    const v1 = [chunk(id, 0, 'alpha'), chunk(id, 1, 'beta'), chunk(id, 2, 'gamma'), chunk(id, 3, 'delta')];
    await store.recordIndexed(doc(id, 'H1', v1));
    const firstCreated = (await store.get(id))!.createdAt;
    // v2 keeps beta (moved to position 0), changes the rest, and is shorter
    const v2 = [chunk(id, 0, 'beta'), chunk(id, 1, 'epsilon')];
    v2[0]!.id = v1[1]!.id;
    const deleted = await store.recordIndexed(doc(id, 'H2', v2, { attempts: 2 }));
    assert.deepEqual(deleted.sort(), [v1[0]!.id, v1[2]!.id, v1[3]!.id].sort());
    assert.deepEqual(await store.chunkIds(id), [v1[1]!.id, v2[1]!.id]);
    const got = (await store.get(id))!;
    assert.equal(got.chunks, 2);
    assert.equal(got.contentHash, 'H2');
    assert.equal(got.attempts, 2);
    assert.equal(got.createdAt, firstCreated, 'created_at survives the update');
    // a document that now has no chunks at all keeps none
    assert.deepEqual((await store.recordIndexed(doc(id, 'H3', []))).sort(), v2.map((c) => c.id).sort());
    assert.deepEqual(await store.chunkIds(id), []);
    assert.equal((await store.get(id))!.chunks, 0);
  });

  it('leaves everything as it was when the write fails half-way', async () => {
    const a = newId();
    const b = newId();
    await store.recordIndexed(doc(a, 'H1', [chunk(a, 0, 'mine')]));
    await store.recordIndexed(doc(b, 'H1', [chunk(b, 0, 'old b')]));
    // b's new set reuses a chunk id of document a: refused, and b is untouched (one transaction)
    const stolen = { ...chunk(b, 0, 'new b'), id: (await store.chunkIds(a))[0]! };
    await assert.rejects(store.recordIndexed(doc(b, 'H2', [stolen])), (e: unknown) => isCode('ERR_STORE_QUERY')(e) && /another document/.test((e as Error).message));
    assert.equal((await store.get(b))!.contentHash, 'H1');
    assert.deepEqual((await store.chunks(b)).map((c) => c.text), ['old b']);
    assert.deepEqual((await store.chunks(a)).map((c) => c.text), ['mine']);
    await assert.rejects(store.recordIndexed(doc(b, 'H2', [chunk(b, 0, 'x'), chunk(b, 0, 'x')])), (e: unknown) => isCode('ERR_STORE_QUERY')(e) && /twice/.test((e as Error).message));
  });

  it('stores SQL-looking and unusual values literally', async () => {
    const id = `${newId()}'; DROP TABLE documents; --`;
    const nasty = ["'); DELETE FROM chunks; --", '$1 $2 \\x00? %s', 'Robert"); DROP TABLE students;--', 'émoji 🚀 ‮rtl', '{"$gt": 1}'];
    const chunks = nasty.map((text, i) => chunk(id, i, text, { headingPath: [text, '{a,b}', 'NULL'], metadata: { [text]: text } }));
    await store.recordIndexed(doc(id, "H'1", chunks, { source: nasty[0], metadata: { q: nasty[1]!, "k'": true } }));
    const got = (await store.get(id))!;
    assert.equal(got.id, id);
    assert.equal(got.source, nasty[0]);
    assert.deepEqual(got.metadata, { q: nasty[1], "k'": true });
    const stored = await store.chunks(id);
    assert.deepEqual(stored.map((c) => c.text), nasty);
    assert.deepEqual(stored.map((c) => c.headingPath), nasty.map((t) => [t, '{a,b}', 'NULL']));
    assert.deepEqual(stored.map((c) => c.metadata), nasty.map((t) => ({ [t]: t })));
    assert.ok((await store.count()) >= 1, 'the tables are still there');
  });

  it('getMany returns the existing documents in the order asked, in one query', async () => {
    const ids = [newId(), newId(), newId()];
    for (const id of ids) await store.recordIndexed(doc(id, 'H', [chunk(id, 0, id)]));
    let queries = 0;
    const counting = new Proxy(db, {
      get(target, prop, receiver) {
        if (prop === 'query') return (...args: Parameters<Database['query']>) => { queries++; return target.query(...args); };
        const v = Reflect.get(target, prop, receiver) as unknown;
        return typeof v === 'function' ? (v as (...a: unknown[]) => unknown).bind(target) : v;
      },
    });
    const viaProxy = new DocumentStore(counting);
    const got = await viaProxy.getMany([ids[2]!, 'missing', ids[0]!, ids[1]!, ids[2]!]);
    assert.deepEqual(got.map((d) => d.id), [ids[2], ids[0], ids[1]]);
    assert.equal(queries, 1);
    assert.deepEqual(await viaProxy.getMany([]), []);
    assert.equal(queries, 1, 'no query for no ids');
  });

  it('records a failure, keeping the error, without ever downgrading the same content once indexed', async () => {
    const id = newId();
    // first attempt fails: a failed row appears
    assert.equal(await store.recordFailed(id, failure, 1, { contentHash: 'H1', collection: 'docs', source: 'file:///x' }), 'failed');
    let got = (await store.get(id))!;
    assert.equal(got.status, 'failed');
    assert.deepEqual(got.error, failure);
    assert.equal(got.attempts, 1);
    assert.equal(got.chunks, 0);
    // it is retried and indexed: the error is cleared
    await store.recordIndexed(doc(id, 'H1', [chunk(id, 0, 'one'), chunk(id, 1, 'two')], { attempts: 2 }));
    assert.equal((await store.get(id))!.error, null);
    // a redelivery of the same content fails afterwards: the indexed row stands
    assert.equal(await store.recordFailed(id, { ...failure, code: 'ERR_STAGE_CRASHED' }, 3, { contentHash: 'H1' }), 'indexed');
    got = (await store.get(id))!;
    assert.equal(got.status, 'indexed');
    assert.equal(got.error, null);
    assert.equal(got.attempts, 2);
    // new content fails: recorded, but the chunks of the last good content stay searchable
    assert.equal(await store.recordFailed(id, failure, 1, { contentHash: 'H2' }), 'failed');
    got = (await store.get(id))!;
    assert.equal(got.status, 'failed');
    assert.equal(got.contentHash, 'H2');
    assert.equal(got.chunks, 2);
    assert.equal(got.collection, 'docs');
    assert.equal((await store.chunkIds(id)).length, 2);
    // a failure before the content was read (unknown hash) is recorded too, keeping the known hash
    await store.recordIndexed(doc(id, 'H3', [chunk(id, 0, 'three')]));
    assert.equal(await store.recordFailed(id, { code: 'ERR_LOAD_NOT_FOUND', message: 'gone', retryable: false }, 1), 'failed');
    got = (await store.get(id))!;
    assert.equal(got.contentHash, 'H3');
    assert.equal(got.error?.code, 'ERR_LOAD_NOT_FOUND');
    // a first-ever failure with no hash stores an empty one
    const fresh = newId();
    await store.recordFailed(fresh, failure, 1);
    assert.equal((await store.get(fresh))!.contentHash, '');
  });

  it('counts documents, by status too', async () => {
    const before = { all: await store.count(), failed: await store.count('failed'), indexed: await store.count('indexed') };
    assert.equal(before.all, before.failed + before.indexed);
    await store.recordFailed(newId(), failure, 1);
    const id = newId();
    await store.recordIndexed(doc(id, 'H', []));
    assert.equal(await store.count(), before.all + 2);
    assert.equal(await store.count('failed'), before.failed + 1);
    assert.equal(await store.count('indexed'), before.indexed + 1);
  });
});
