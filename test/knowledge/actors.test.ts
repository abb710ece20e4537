import assert from 'node:assert/strict';
import { createDocumentsActor } from '../../actors/query/documents.actor.js';
import { createEntitiesActor } from '../../actors/query/entities.actor.js';
import { createPathsActor } from '../../actors/query/paths.actor.js';
import { createRelationsActor } from '../../actors/query/relations.actor.js';
import { createKnowledgeActor } from '../../actors/knowledge/knowledge.actor.js';
import { actorEndpoint } from '../../src/actor/serve.js';
import { validateMessage } from '../../src/codec/validate.js';
import { DocflowError } from '../../src/errors/index.js';
import type { ExtractedKnowledge } from '../../src/knowledge/index.js';
import { silentLogger } from '../../src/log.js';
import {
  DocumentsReply, EntitiesReply, EntitiesRequest, PathsReply, PathsRequest, QueryInput, RelationsReply,
} from '../../src/messages/queries.js';
import { WorkerPool } from '../../src/pool/index.js';
import { KnowledgeStore } from '../../src/stores/knowledge/index.js';
import { Database } from '../../src/stores/postgres/index.js';
import { Transport } from '../../src/transport/index.js';
import { useNats } from '../harness/nats.js';
import { usePostgres } from '../harness/postgres.js';
import { CURIE, RADIUM } from './corpus.js';
import { actorContext, countingDb, freshDatabase } from './helpers.js';

const code = (c: string) => (e: unknown) => e instanceof DocflowError && e.code === c;

describe('knowledge: actors', function () {
  this.timeout(60_000);
  const pg = usePostgres();
  let db: Database;
  let counted: ReturnType<typeof countingDb>;
  let store: KnowledgeStore;
  let pool: WorkerPool;
  const ctx = actorContext();

  before(async () => {
    db = await freshDatabase(pg());
    counted = countingDb(db);
    store = new KnowledgeStore(counted);
    pool = new WorkerPool({ filename: new URL('../../src/knowledge/worker.js', import.meta.url), name: 'knowledge' });
  });
  after(async () => {
    await pool?.close();
    await db?.close();
  });

  it('the knowledge actor extracts on the worker pool and stores the document', async () => {
    const events: unknown[] = [];
    const actor = createKnowledgeActor({ run: (chunks, signal) => pool.run<ExtractedKnowledge>({ chunks }, { signal }), store });
    assert.deepEqual(await actor.handle({ docId: 'curie', chunks: CURIE }, actorContext(undefined, events)), []);
    assert.deepEqual(await actor.handle({ docId: 'radium', chunks: RADIUM }, ctx), []);
    assert.equal((await store.entities()).total, 8);
    assert.deepEqual(events, [{ type: 'knowledge', docId: 'curie', entities: 6, mentions: 8, relations: 6, removedEntities: 0, elapsedMs: (events[0] as { elapsedMs: number }).elapsedMs }]);
    const aborted = new AbortController();
    aborted.abort();
    await assert.rejects(async () => actor.handle({ docId: 'x', chunks: CURIE }, actorContext(aborted.signal)), code('ERR_ABORTED'));
  });

  it('answer with replies that match the contract kinds', async () => {
    const entities = await createEntitiesActor(store).handle({ name: 'curie', includeRelations: true, includeAttributes: true, sort: 'name' }, ctx);
    validateMessage(EntitiesReply, entities);
    assert.deepEqual(entities.items.map((e) => e.name), ['Marie Curie', 'Pierre Curie']);
    const relations = await createRelationsActor(store).handle({ predicate: 'marry' }, ctx);
    validateMessage(RelationsReply, relations);
    assert.equal(relations.total, 1);
    const paths = await createPathsActor(store).handle({ from: 'Albert Einstein', to: 'University of Paris', maxDepth: 2 }, ctx);
    validateMessage(PathsReply, paths);
    assert.deepEqual(paths.paths.map((p) => p.predicates), [['visit', 'located in']]);
  });

  it('turn every bad request into its ERR_QUERY_* code without running SQL', async () => {
    const entities = createEntitiesActor(store);
    const relations = createRelationsActor(store);
    const paths = createPathsActor(store);
    const documents = createDocumentsActor(store);
    const before = counted.statements.length;
    const cases: Array<[string, () => Promise<unknown>, string]> = [
      ['unknown field', async () => entities.handle({ name: 'x', limit: 5 }, ctx), 'ERR_QUERY_INVALID'],
      ['wrong type', async () => entities.handle({ size: 'ten' }, ctx), 'ERR_QUERY_INVALID'],
      ['unknown entity type', async () => entities.handle({ type: 'animal' }, ctx), 'ERR_QUERY_INVALID'],
      ['not an object', async () => entities.handle('name=curie', ctx), 'ERR_QUERY_INVALID'],
      ['size 101', async () => entities.handle({ size: 101 }, ctx), 'ERR_QUERY_LIMIT'],
      ['sort outside the list', async () => entities.handle({ sort: 'password' }, ctx), 'ERR_QUERY_SORT'],
      ['sort with SQL', async () => entities.handle({ sort: '-name; DROP TABLE entities' }, ctx), 'ERR_QUERY_SORT'],
      ['relations: bad id', async () => relations.handle({ subjectId: -1 }, ctx), 'ERR_QUERY_INVALID'],
      ['relations: id past bigint', async () => relations.handle({ subjectId: 1e20 }, ctx), 'ERR_QUERY_INVALID'],
      ['relations: id past 2^53', async () => relations.handle({ objectId: 2 ** 63 - 1 }, ctx), 'ERR_QUERY_INVALID'],
      ['relations: unknown field', async () => relations.handle({ subject: 'Marie Curie' }, ctx), 'ERR_QUERY_INVALID'],
      ['relations: entity sort field', async () => relations.handle({ sort: 'mentions' }, ctx), 'ERR_QUERY_SORT'],
      ['relations: size 101', async () => relations.handle({ size: 101 }, ctx), 'ERR_QUERY_LIMIT'],
      ['paths: no to', async () => paths.handle({ from: 'Marie Curie' }, ctx), 'ERR_QUERY_INVALID'],
      ['paths: depth 7', async () => paths.handle({ from: 'Marie Curie', to: 'Warsaw', maxDepth: 7 }, ctx), 'ERR_QUERY_LIMIT'],
      ['paths: depth 0', async () => paths.handle({ from: 'Marie Curie', to: 'Warsaw', maxDepth: 0 }, ctx), 'ERR_QUERY_INVALID'],
      ['paths: limit 101', async () => paths.handle({ from: 'Marie Curie', to: 'Warsaw', limit: 101 }, ctx), 'ERR_QUERY_LIMIT'],
      ['documents: not a list', async () => documents.handle({ ids: 'curie' }, ctx), 'ERR_QUERY_INVALID'],
      ['documents: bad id', async () => documents.handle({ ids: ['../etc/passwd'] }, ctx), 'ERR_QUERY_INVALID'],
      ['documents: 101 ids', async () => documents.handle({ ids: Array.from({ length: 101 }, (_, i) => `d${i}`) }, ctx), 'ERR_QUERY_LIMIT'],
    ];
    for (const [what, call, expected] of cases) await assert.rejects(call, code(expected), what);
    assert.equal(counted.statements.length, before, 'no SQL for a refused request');
    await documents.close();
    const invalid = await Promise.resolve().then(() => entities.handle({ size: 'ten', foo: 1 }, ctx)).catch((e: unknown) => e as DocflowError);
    const problems = (invalid as DocflowError).details as Array<{ path: string; message: string }>;
    assert.deepEqual(problems.map((d) => d.path).sort(), ['/foo', '/size'], 'every bad field in details');
    assert.match((invalid as DocflowError).message, /^invalid entities query: /);
    await assert.rejects(async () => paths.handle({ from: 'Nobody', to: 'Warsaw' }, ctx), code('ERR_QUERY_NOT_FOUND'));
  });

  describe('documents', () => {
    const ids = Array.from({ length: 60 }, (_, i) => `doc-${String(i).padStart(2, '0')}`);

    before(async () => {
      await db.query("INSERT INTO documents (id, collection, content_hash, status, chunks) SELECT id, 'docs', 'h-' || id, 'indexed', 1 FROM unnest($1::text[]) AS t(id)", [ids]);
    });

    it('answers 50 concurrent requests with fewer queries, each with its own ids in order', async () => {
      const actor = createDocumentsActor(store, { batchWaitMs: 5 });
      try {
        const asks = Array.from({ length: 50 }, (_, i) => [ids[i]!, `missing-${i}`, ids[(i * 7) % 60]!, ids[i]!]);
        const before = counted.statements.length;
        const replies = await Promise.all(asks.map((ask) => actor.handle({ ids: ask }, ctx)));
        const queries = counted.statements.length - before;
        assert.ok(queries < asks.length && queries <= 3, `${queries} queries for ${asks.length} requests`);
        replies.forEach((reply, i) => {
          validateMessage(DocumentsReply, reply);
          const unique = [...new Set(asks[i]!)];
          assert.deepEqual(reply.documents.map((d) => d.id), unique.filter((x) => !x.startsWith('missing')));
          assert.deepEqual(reply.missing, [`missing-${i}`]);
          assert.equal(reply.documents[0]!.contentHash, `h-${asks[i]![0]}`);
        });
        const knowledge = await actor.handle({ ids: ['curie', 'radium', 'doc-00'] }, ctx);
        // curie and radium have knowledge but no document row yet: the index stage records documents
        assert.deepEqual(knowledge, { documents: [{ ...(await store.documents(['doc-00']))[0]!, entities: 0, relations: 0 }], missing: ['curie', 'radium'] });
        assert.ok(actor.stats().batches >= 1);
      } finally {
        await actor.close();
      }
      await assert.rejects(async () => actor.handle({ ids: ['doc-01'] }, ctx), code('ERR_ABORTED'));
    });

    it('gives each caller of a failed query that error, and a bad request its own', async () => {
      const broken = await Database.connect(await pg().database());
      await broken.close();
      const actor = createDocumentsActor(new KnowledgeStore(broken), { batchWaitMs: 5 });
      try {
        const results = await Promise.allSettled([
          (async () => actor.handle({ ids: ['doc-01'] }, ctx))(), (async () => actor.handle({ ids: ['doc-02'] }, ctx))(), (async () => actor.handle({ ids: [42] }, ctx))(),
        ]);
        assert.deepEqual(results.map((r) => r.status), ['rejected', 'rejected', 'rejected']);
        const codes = results.map((r) => ((r as PromiseRejectedResult).reason as DocflowError).code);
        assert.equal(codes[2], 'ERR_QUERY_INVALID');
        assert.ok(codes.slice(0, 2).every((c) => c.startsWith('ERR_STORE_')), codes.join());
      } finally {
        await actor.close();
      }
    });
  });

  describe('over NATS request/reply', () => {
    const nats = useNats();

    it('serves the actors and carries their error codes to the caller', async () => {
      const config = nats().config();
      const transport = await Transport.connect(config, { log: silentLogger });
      const abort = new AbortController();
      const documents = createDocumentsActor(store);
      const ep = { request: QueryInput, log: silentLogger, signal: abort.signal };
      try {
        await transport.serve({ name: 'docflow-knowledge-test', version: '0.0.0' }, [
          actorEndpoint(createEntitiesActor(store), { ...ep, subject: transport.subject('query.entities'), reply: EntitiesReply }),
          actorEndpoint(createPathsActor(store), { ...ep, subject: transport.subject('query.paths'), reply: PathsReply }),
          actorEndpoint(documents, { ...ep, subject: transport.subject('query.documents'), reply: DocumentsReply }),
        ]);
        const page = await transport.request(transport.subject('query.entities'), EntitiesRequest, { type: 'place', sort: 'name' }, EntitiesReply);
        assert.deepEqual(page.items.map((e) => e.name), ['Paris', 'Warsaw']);
        const paths = await transport.request(transport.subject('query.paths'), PathsRequest, { from: 'Pierre Curie', to: 'Marie Curie' }, PathsReply);
        assert.deepEqual(paths.paths.map((p) => p.confidence), [0.9, 0.85 * 0.85]);
        const docs = await transport.request(transport.subject('query.documents'), QueryInput, { ids: ['doc-05', 'nope'] }, DocumentsReply);
        assert.deepEqual([docs.documents.map((d) => d.id), docs.missing], [['doc-05'], ['nope']]);
        for (const [req, expected] of [[{ sort: 'secret' }, 'ERR_QUERY_SORT'], [{ size: 500 }, 'ERR_QUERY_LIMIT'], [{ bogus: true }, 'ERR_QUERY_INVALID']] as const) {
          await assert.rejects(transport.request(transport.subject('query.entities'), QueryInput, req, EntitiesReply), code(expected));
        }
      } finally {
        abort.abort();
        await documents.close();
        await transport.close();
      }
    });
  });
});
