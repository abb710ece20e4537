import assert from 'node:assert/strict';
import { DocflowError } from '../../src/errors/index.js';
import { extractKnowledge, type ExtractedKnowledge } from '../../src/knowledge/index.js';
import { KnowledgeStore, type EntityItem, type PathItem } from '../../src/stores/knowledge/index.js';
import type { Database } from '../../src/stores/postgres/index.js';
import { usePostgres } from '../harness/postgres.js';
import { CURIE, HIRING, RADIUM } from './corpus.js';
import { countingDb, freshDatabase } from './helpers.js';

const code = (c: string) => (e: unknown) => e instanceof DocflowError && e.code === c;
const row = (e: EntityItem) => [e.name, e.type, e.confidence, e.mentions, e.documents];
const names = (items: Array<{ name: string }>) => items.map((e) => e.name);
const chain = (p: PathItem) => p.entities.map((e) => e.name);

/** Each relation of a path joins the entities before and after it (in either direction). */
function assertConnected(p: PathItem): void {
  assert.equal(p.relations.length, p.entities.length - 1);
  p.relations.forEach((r, i) => {
    const ends = [p.entities[i]!.id, p.entities[i + 1]!.id].sort();
    assert.deepEqual([r.subject.id, r.object.id].sort(), ends);
  });
  assert.equal(new Set(p.entities.map((e) => e.id)).size, p.entities.length, 'no entity twice on a path');
  assert.deepEqual(p.predicates, p.relations.map((r) => r.predicate));
  assert.equal(p.confidence, p.relations.reduce((x, r) => x * r.confidence, 1));
}

describe('knowledge: store (PostgreSQL)', function () {
  this.timeout(60_000);
  const pg = usePostgres();
  let db: Database;
  let store: KnowledgeStore;

  before(async () => {
    db = await freshDatabase(pg());
    store = new KnowledgeStore(db);
    await store.replaceDocument('curie', extractKnowledge(CURIE));
    await store.replaceDocument('radium', extractKnowledge(RADIUM));
  });
  after(async () => { await db?.close(); });

  it('merges entities across documents: best current confidence, mention and document counts', async () => {
    const page = await store.entities({ sort: 'name', size: 100 });
    assert.equal(page.total, 8);
    assert.deepEqual(page.items.map(row), [
      ['Albert Einstein', 'person', 0.9, 1, 1],
      ['Henri Becquerel', 'person', 0.9, 1, 1],
      ['Marie Curie', 'person', 0.936, 2, 2],
      ['Paris', 'place', 0.88, 1, 1],
      ['Pierre Curie', 'person', 0.92, 3, 2],
      ['radioactivity', 'term', 0.6, 1, 1],
      ['University of Paris', 'organization', 0.904, 2, 1],
      ['Warsaw', 'place', 0.85, 1, 1],
    ]);
    assert.ok(page.items.every((e) => e.attributes === undefined && e.relations === undefined));
  });

  it('filters entities by name substring (any case), type and confidence', async () => {
    assert.deepEqual(names((await store.entities({ name: 'curie', sort: 'name' })).items), ['Marie Curie', 'Pierre Curie']);
    assert.deepEqual(names((await store.entities({ name: 'PARIS', sort: 'name' })).items), ['Paris', 'University of Paris']);
    assert.deepEqual(names((await store.entities({ type: 'place', sort: '-name' })).items), ['Warsaw', 'Paris']);
    const sure = await store.entities({ confidenceMin: 0.91 });
    assert.deepEqual(names(sure.items), ['Marie Curie', 'Pierre Curie']);
    assert.equal(sure.total, 2);
    assert.deepEqual((await store.entities({ name: 'nobody' })), { items: [], page: 1, size: 20, total: 0 });
  });

  it('includes attributes and the relations of each entity on request', async () => {
    const { items } = await store.entities({ name: 'warsaw', includeAttributes: true, includeRelations: true });
    assert.equal(items.length, 1);
    assert.deepEqual(items[0]!.attributes, { kind: 'city' });
    const rels = items[0]!.relations!;
    assert.deepEqual(rels.map((r) => [r.subject.name, r.predicate, r.object.name, r.confidence, r.docId, r.chunkId]), [['Marie Curie', 'born in', 'Warsaw', 0.85, 'curie', 'curie:0']]);
    const marie = (await store.entities({ name: 'marie', includeRelations: true })).items[0]!;
    assert.deepEqual(marie.relations!.map((r) => r.predicate), ['marry', 'study', 'work at', 'born in']);
  });

  it('returns relations with both entities filled in, filtered by either end and predicate', async () => {
    const all = await store.relations({ size: 100, sort: 'predicate' });
    assert.equal(all.total, 8);
    assert.deepEqual(all.items.map((r) => r.predicate), ['born in', 'discover', 'located in', 'marry', 'study', 'teach at', 'visit', 'work at']);
    const marie = (await store.entities({ name: 'marie curie' })).items[0]!;
    const uop = (await store.entities({ name: 'university' })).items[0]!;
    const asSubject = await store.relations({ subjectId: marie.id, sort: 'object' });
    assert.deepEqual(asSubject.items.map((r) => [r.subject.name, r.predicate, r.object.name]), [
      ['Marie Curie', 'study', 'radioactivity'], ['Marie Curie', 'work at', 'University of Paris'], ['Marie Curie', 'born in', 'Warsaw'],
    ]);
    assert.deepEqual(asSubject.items[1]!.object, { id: uop.id, name: 'University of Paris', type: 'organization', confidence: 0.904 });
    assert.deepEqual((await store.relations({ objectId: uop.id, sort: 'subject' })).items.map((r) => r.subject.name), ['Marie Curie', 'Pierre Curie']);
    assert.equal((await store.relations({ entityId: marie.id })).total, 4);
    assert.deepEqual((await store.relations({ predicate: 'marry' })).items.map((r) => [r.subject.name, r.object.name]), [['Pierre Curie', 'Marie Curie']]);
    assert.deepEqual(names((await store.relations({ confidenceMin: 0.9, sort: 'subject' })).items.map((r) => r.subject)), ['Albert Einstein', 'Henri Becquerel', 'Marie Curie', 'Pierre Curie']);
  });

  it('pages with a stable order and the right total, also past the end', async () => {
    const pages = await Promise.all([1, 2, 3, 4].map((page) => store.entities({ sort: '-confidence', size: 3, page })));
    assert.deepEqual(pages.map((p) => p.items.length), [3, 3, 2, 0]);
    assert.ok(pages.every((p) => p.total === 8 && p.size === 3));
    const ids = pages.flatMap((p) => p.items.map((e) => e.id));
    assert.equal(new Set(ids).size, 8);
    // ties (three entities at 0.9) are broken by id, so the pages neither overlap nor skip
    const confidences = pages.flatMap((p) => p.items.map((e) => e.confidence));
    assert.deepEqual(confidences, [...confidences].sort((a, b) => b - a));
    const rel = await Promise.all([1, 2, 3].map((page) => store.relations({ size: 5, page })));
    assert.deepEqual(rel.map((p) => [p.items.length, p.total]), [[5, 8], [3, 8], [0, 8]]);
  });

  it('matches a hostile name literally, and the tables survive', async () => {
    const hostile = ['100% pure_gold', "Robert'); DROP TABLE entities; --", 'back\\slash', 'a_c', 'abc', 'Quote "this" and \'that\''];
    const k: ExtractedKnowledge = { entities: hostile.map((name) => ({ name, type: 'term' as const, confidence: 0.5, mentions: [{ chunkId: 'hostile:0' }] })), relations: [] };
    await store.replaceDocument('hostile', k);
    const find = async (name: string) => names((await store.entities({ name, sort: 'name' })).items);
    assert.deepEqual(await find('%'), ['100% pure_gold']);
    assert.deepEqual(await find('_'), ['100% pure_gold', 'a_c']);
    assert.deepEqual(await find('a_c'), ['a_c']);
    assert.deepEqual(await find('\\'), ['back\\slash']);
    assert.deepEqual(await find("'); DROP TABLE entities; --"), ["Robert'); DROP TABLE entities; --"]);
    assert.deepEqual(await find('"this" and \'that'), ['Quote "this" and \'that\'']);
    assert.deepEqual(await find("'; DROP TABLE entities; --"), []);
    await assert.rejects(store.entities({ sort: 'name; DROP TABLE entities; --' }), code('ERR_QUERY_SORT'));
    await assert.rejects(store.relations({ sort: '-confidence DESC, (SELECT 1)' }), code('ERR_QUERY_SORT'));
    assert.equal((await store.removeDocument('hostile')).removedEntities, hostile.length);
    assert.equal((await store.entities()).total, 8);
  });

  it('refuses pages over the limit before running any SQL', async () => {
    const counted = countingDb(db);
    const checked = new KnowledgeStore(counted);
    await assert.rejects(checked.entities({ size: 101 }), code('ERR_QUERY_LIMIT'));
    await assert.rejects(checked.relations({ size: 1000 }), code('ERR_QUERY_LIMIT'));
    await assert.rejects(checked.entities({ page: 1_000_000, size: 100 }), code('ERR_QUERY_LIMIT'));
    await assert.rejects(checked.entities({ page: 0 }), code('ERR_QUERY_INVALID'));
    await assert.rejects(checked.paths({ from: 'Warsaw', to: 'Paris', maxDepth: 7 }), code('ERR_QUERY_LIMIT'));
    assert.deepEqual(counted.statements, []);
  });

  describe('paths', () => {
    it('finds the one-hop path first, then the two-hop detour, with product confidences', async () => {
      const paths = await store.paths({ from: 'Pierre Curie', to: 'marie curie' });
      assert.deepEqual(paths.map(chain), [['Pierre Curie', 'Marie Curie'], ['Pierre Curie', 'University of Paris', 'Marie Curie']]);
      assert.deepEqual(paths.map((p) => p.predicates), [['marry'], ['teach at', 'work at']]);
      assert.deepEqual(paths.map((p) => p.confidence), [0.9, 0.85 * 0.85]);
      paths.forEach(assertConnected);
      assert.deepEqual((await store.paths({ from: 'Pierre Curie', to: 'Marie Curie', maxDepth: 1 })).map(chain), [['Pierre Curie', 'Marie Curie']]);
      assert.equal((await store.paths({ from: 'Pierre Curie', to: 'Marie Curie', limit: 1 })).length, 1);
    });

    it('walks relations both ways by default, and only forwards when directed', async () => {
      const two = await store.paths({ from: 'Albert Einstein', to: 'University of Paris' });
      assert.deepEqual(two.map(chain), [['Albert Einstein', 'Paris', 'University of Paris']]);
      assert.deepEqual(two[0]!.relations.map((r) => [r.subject.name, r.predicate, r.object.name]), [['Albert Einstein', 'visit', 'Paris'], ['University of Paris', 'located in', 'Paris']]);
      assert.equal(two[0]!.confidence, 0.9 * 0.85);
      assert.deepEqual(await store.paths({ from: 'Albert Einstein', to: 'University of Paris', directed: true }), []);
      assert.deepEqual((await store.paths({ from: 'University of Paris', to: 'Paris', directed: true })).map(chain), [['University of Paris', 'Paris']]);
    });

    it('finds long paths best first within maxDepth, by id or by name', async () => {
      const einstein = (await store.entities({ name: 'einstein' })).items[0]!;
      const warsaw = (await store.entities({ name: 'warsaw' })).items[0]!;
      const deep = await store.paths({ from: einstein.id, to: warsaw.id, maxDepth: 6 });
      assert.deepEqual(deep.map(chain), [
        ['Albert Einstein', 'Paris', 'University of Paris', 'Marie Curie', 'Warsaw'],
        ['Albert Einstein', 'Paris', 'University of Paris', 'Pierre Curie', 'Marie Curie', 'Warsaw'],
      ]);
      assert.deepEqual(deep.map((p) => p.confidence), [0.9 * 0.85 * 0.85 * 0.85, 0.9 * 0.85 * 0.85 * 0.9 * 0.85]);
      deep.forEach(assertConnected);
      assert.deepEqual((await store.paths({ from: 'ALBERT EINSTEIN', to: 'Warsaw', maxDepth: 4 })).map(chain), [deep[0]!.entities.map((e) => e.name)]);
      assert.deepEqual(await store.paths({ from: 'Albert Einstein', to: 'Warsaw', maxDepth: 3 }), []);
    });

    it('does not loop in a cycle', async () => {
      await store.replaceDocument('hiring', extractKnowledge(HIRING));
      try {
        const both = await store.paths({ from: 'Alice Smith', to: 'Carol White', maxDepth: 6 });
        assert.deepEqual(both.map(chain), [['Alice Smith', 'Carol White'], ['Alice Smith', 'Bob Jones', 'Carol White']]);
        assert.deepEqual(both.map((p) => p.confidence), [0.9, 0.9 * 0.9]);
        both.forEach(assertConnected);
        assert.deepEqual((await store.paths({ from: 'Alice Smith', to: 'Carol White', maxDepth: 6, directed: true })).map(chain), [['Alice Smith', 'Bob Jones', 'Carol White']]);
        // Marie Curie sits on the cycle Marie – University of Paris – Pierre – Marie
        assert.deepEqual((await store.paths({ from: 'Marie Curie', to: 'Warsaw', maxDepth: 6 })).map(chain), [['Marie Curie', 'Warsaw']]);
      } finally {
        await store.removeDocument('hiring');
      }
      assert.equal((await store.entities({ name: 'alice' })).total, 0);
    });

    it('names a missing end and refuses depths over 6', async () => {
      await assert.rejects(store.paths({ from: 'Nobody Here', to: 'Warsaw' }), (e) => code('ERR_QUERY_NOT_FOUND')(e) && /Nobody Here/.test((e as Error).message));
      await assert.rejects(store.paths({ from: 'Warsaw', to: 987_654 }), code('ERR_QUERY_NOT_FOUND'));
      await assert.rejects(store.paths({ from: 'Warsaw', to: 'Paris', maxDepth: 7 }), code('ERR_QUERY_LIMIT'));
      await assert.rejects(store.paths({ from: 'Warsaw', to: 'Paris', limit: 101 }), code('ERR_QUERY_LIMIT'));
      assert.deepEqual(await store.paths({ from: 'Warsaw', to: 'warsaw' }), []);
    });

    it('stops a search that walks too many partial paths', async () => {
      const tight = new KnowledgeStore(db, { maxPathWalk: 4 });
      await assert.rejects(tight.paths({ from: 'Albert Einstein', to: 'Warsaw', maxDepth: 6 }), (e) => code('ERR_QUERY_LIMIT')(e) && /more than 4 partial paths/.test((e as Error).message));
      assert.equal((await new KnowledgeStore(db, { maxPathWalk: 100 }).paths({ from: 'Albert Einstein', to: 'Warsaw', maxDepth: 6 })).length, 2);
      assert.throws(() => new KnowledgeStore(db, { maxPathWalk: 0 }), /options\.maxPathWalk must be a positive integer/);
    });
  });

  describe('writes (after the queries: they change the corpus)', () => {
    it('refuses inconsistent knowledge and keeps what was stored', async () => {
      const bad: ExtractedKnowledge = {
        entities: [{ name: 'Marie Curie', type: 'person', confidence: 0.5, mentions: [{ chunkId: 'radium:0' }] }],
        relations: [{ subject: { name: 'Marie Curie', type: 'person' }, predicate: 'know', object: { name: 'Ghost', type: 'person' }, confidence: 0.5, chunkId: 'radium:0' }],
      };
      await assert.rejects(store.replaceDocument('radium', bad), (e) => code('ERR_STORE_QUERY')(e) && /Ghost/.test((e as Error).message));
      assert.equal((await store.relations({ predicate: 'discover' })).total, 1);
    });

    it('keeps shared entities right when documents are written at the same time', async () => {
      const doc = (i: number, shared: boolean): ExtractedKnowledge => {
        const own = { name: `Person Number${i}`, type: 'person' as const };
        const ada = { name: 'Ada Lovelace', type: 'person' as const };
        return {
          entities: [{ ...own, confidence: 0.7, mentions: [{ chunkId: `par${i}:0` }] }, ...(shared ? [{ ...ada, confidence: 0.5 + i / 100, mentions: [{ chunkId: `par${i}:0` }, { chunkId: `par${i}:1` }] }] : [])],
          relations: shared ? [{ subject: own, predicate: 'know', object: ada, confidence: 0.8, chunkId: `par${i}:0` }] : [],
        };
      };
      const docs = Array.from({ length: 8 }, (_, i) => i);
      await Promise.all(docs.map((i) => store.replaceDocument(`par${i}`, doc(i, true))));
      const ada = async () => (await store.entities({ name: 'ada lovelace' })).items[0];
      assert.deepEqual([(await ada())?.mentions, (await ada())?.documents, (await ada())?.confidence], [16, 8, 0.5 + 7 / 100]);
      assert.equal((await store.relations({ predicate: 'know' })).total, 8);
      // half forget her, half are removed, all at once: nobody mentions her any more
      await Promise.all(docs.map((i) => (i % 2 === 0 ? store.replaceDocument(`par${i}`, doc(i, false)) : store.removeDocument(`par${i}`))));
      assert.equal(await ada(), undefined);
      assert.deepEqual(names((await store.entities({ name: 'number', sort: 'name' })).items), ['Person Number0', 'Person Number2', 'Person Number4', 'Person Number6']);
      assert.equal((await store.relations({ predicate: 'know' })).total, 0);
      await Promise.all(docs.map((i) => store.removeDocument(`par${i}`)));
      assert.equal((await store.entities({ name: 'number' })).total, 0);
    });

    it('replaces what a re-ingested document said, keeping entities other documents mention', async () => {
      const marieBefore = (await store.entities({ name: 'marie curie' })).items[0]!;
      await store.replaceDocument('curie', extractKnowledge([{ id: 'curie:0', text: 'Albert Einstein visited Paris in 1922. Albert Einstein worked at Princeton University.' }]));
      const after = await store.entities({ sort: 'name', size: 100 });
      assert.deepEqual(after.items.map(row), [
        ['Albert Einstein', 'person', 0.92, 1, 1],
        ['Henri Becquerel', 'person', 0.9, 1, 1],
        // only the radium document mentions her now: its confidence is hers again, her id unchanged
        ['Marie Curie', 'person', 0.9, 1, 1],
        ['Paris', 'place', 0.85, 1, 1],
        ['Pierre Curie', 'person', 0.9, 1, 1],
        ['Princeton University', 'organization', 0.85, 1, 1],
        ['radioactivity', 'term', 0.6, 1, 1],
      ]);
      assert.equal(after.items.find((e) => e.name === 'Marie Curie')!.id, marieBefore.id);
      const rels = await store.relations({ sort: 'predicate', size: 100 });
      assert.deepEqual(rels.items.map((r) => [r.subject.name, r.predicate, r.object.name, r.docId]), [
        ['Henri Becquerel', 'discover', 'radioactivity', 'radium'],
        ['Marie Curie', 'study', 'radioactivity', 'radium'],
        ['Albert Einstein', 'visit', 'Paris', 'curie'],
        ['Albert Einstein', 'work at', 'Princeton University', 'curie'],
      ]);
      const counts = await db.query<{ n: number }>("SELECT count(*)::integer AS n FROM entity_mentions WHERE doc_id = 'curie'");
      assert.equal(counts.rows[0]!.n, 3);
    });
  });
});
