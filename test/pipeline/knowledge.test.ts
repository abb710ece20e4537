import assert from 'node:assert/strict';
import { DocflowError } from '../../src/errors/index.js';
import { DocumentsReply, EntitiesReply, PathsReply, QueryInput, RelationsReply } from '../../src/messages/queries.js';
import { startPipeline, type PipelineHarness } from '../harness/pipeline.js';

const DOCS = [
  { id: 'curie', text: 'Marie Curie worked at the University of Paris. Pierre Curie married Marie Curie in 1895. Marie Curie was born in Warsaw.' },
  { id: 'paris', text: 'Pierre Curie taught at the University of Paris. Albert Einstein visited Paris in 1922.' },
];

describe('knowledge through the pipeline: documents on docflow.ingest, answers on docflow.query.*', function () {
  this.timeout(180_000);
  let h: PipelineHarness;
  const ask = <R>(what: string, req: Record<string, unknown>, reply: R) => h.node.transport.request(h.node.transport.subject(`query.${what}`), QueryInput, req, reply as never);

  before(async () => { h = await startPipeline(); });
  after(async () => { await h?.[Symbol.asyncDispose](); });

  it('ingested documents yield their entities and relations', async () => {
    // The knowledge branch runs beside embed → index; the ingest waits for it, as `docflow ingest` does.
    const docs = await h.ingest(DOCS.map((d) => ({ msg: d, source: d.id })), { waitForBranches: true });
    assert.deepEqual([...docs.values()].map((d) => [d.status, [...d.stages].includes('knowledge')]), [['indexed', true], ['indexed', true]]);
    const people = await ask('entities', { type: 'person', sort: 'name' }, EntitiesReply) as { items: Array<{ name: string }>; total: number };
    assert.deepEqual(people.items.map((e) => e.name), ['Albert Einstein', 'Marie Curie', 'Pierre Curie']);
    const rel = await ask('relations', { predicate: 'marry' }, RelationsReply) as { items: Array<{ subject: { name: string }; object: { name: string } }> };
    assert.deepEqual(rel.items.map((r) => [r.subject.name, r.object.name]), [['Pierre Curie', 'Marie Curie']]);
  });

  it('paths run through the graph built from two documents', async () => {
    assert.equal(((await ask('relations', { predicate: 'teach at' }, RelationsReply)) as { total: number }).total, 1, 'the relations of the second document');
    const r = await ask('paths', { from: 'Pierre Curie', to: 'Warsaw', maxDepth: 3 }, PathsReply) as { paths: Array<{ entities: Array<{ name: string }>; confidence: number }> };
    assert.ok(r.paths.length >= 1);
    assert.deepEqual(r.paths[0]!.entities.map((e) => e.name), ['Pierre Curie', 'Marie Curie', 'Warsaw']);
  });

  it('documents are answered from PostgreSQL; bad requests get their ERR_QUERY_* code over NATS', async () => {
    const d = await ask('documents', { ids: ['paris', 'nope', 'curie'] }, DocumentsReply) as { documents: Array<{ id: string; status: string }> };
    assert.deepEqual(d.documents.map((x) => [x.id, x.status]), [['paris', 'indexed'], ['curie', 'indexed']]);
    for (const [what, req, code] of [
      ['entities', { sort: 'name; DROP TABLE entities' }, 'ERR_QUERY_SORT'],
      ['entities', { size: 101 }, 'ERR_QUERY_LIMIT'],
      ['entities', { colour: 'red' }, 'ERR_QUERY_INVALID'],
      ['paths', { from: 'Marie Curie', to: 'Warsaw', maxDepth: 7 }, 'ERR_QUERY_LIMIT'],
    ] as const) {
      await assert.rejects(ask(what, req, EntitiesReply), (e: unknown) => e instanceof DocflowError && e.code === code, `${what} ${JSON.stringify(req)}`);
    }
    const hostile = await ask('entities', { name: "%'; DROP TABLE entities; --" }, EntitiesReply) as { total: number };
    assert.equal(hostile.total, 0);
    assert.ok(((await ask('entities', {}, EntitiesReply)) as { total: number }).total > 0, 'the table is still there');
  });
});
