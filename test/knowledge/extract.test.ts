import assert from 'node:assert/strict';
import { extractKnowledge, normalizeName, type ExtractedKnowledge } from '../../src/knowledge/index.js';
import type { KnowledgeTask } from '../../src/knowledge/worker.js';
import { WorkerPool } from '../../src/pool/index.js';
import { CURIE, CURIE_ENTITIES, CURIE_RELATIONS, HIRING, RADIUM, RADIUM_ENTITIES, RADIUM_RELATIONS } from './corpus.js';

/** The extraction in the corpus's terms: entities with their chunks, relations by name. */
function flatten(k: ExtractedKnowledge) {
  return {
    entities: k.entities.map((e) => ({ name: e.name, type: e.type, confidence: e.confidence, chunks: e.mentions.map((m) => m.chunkId), ...(e.attributes ? { attributes: e.attributes } : {}) })),
    relations: k.relations.map((r) => ({ subject: r.subject.name, predicate: r.predicate, object: r.object.name, confidence: r.confidence, chunkId: r.chunkId })),
  };
}

describe('knowledge: extraction', function () {
  this.timeout(20_000);

  it('finds exactly the persons, organisations, places and relations of the Curie document', () => {
    const got = flatten(extractKnowledge(CURIE));
    assert.deepEqual(got.entities, CURIE_ENTITIES);
    assert.deepEqual(got.relations, CURIE_RELATIONS);
  });

  it('makes a recurring noun phrase a term and relates entities to it', () => {
    const got = flatten(extractKnowledge(RADIUM));
    assert.deepEqual(got.entities, RADIUM_ENTITIES);
    assert.deepEqual(got.relations, RADIUM_RELATIONS);
  });

  it('reads each sentence of a cycle as its own relation', () => {
    const got = flatten(extractKnowledge(HIRING));
    assert.deepEqual(got.entities.map((e) => [e.name, e.confidence]), [['Alice Smith', 0.92], ['Bob Jones', 0.92], ['Carol White', 0.92]]);
    assert.deepEqual(got.relations.map((r) => [r.subject, r.predicate, r.object, r.confidence]), [
      ['Alice Smith', 'hire', 'Bob Jones', 0.9], ['Bob Jones', 'hire', 'Carol White', 0.9], ['Carol White', 'hire', 'Alice Smith', 0.9],
    ]);
  });

  it('is deterministic', () => {
    const chunks = [...CURIE, ...RADIUM, ...HIRING];
    assert.deepEqual(extractKnowledge(chunks), extractKnowledge(chunks));
  });

  it('keeps possessive and hyphenated names whole, and reads negation into the predicate', () => {
    const got = flatten(extractKnowledge([{ id: 'c', text: "Marie Curie's daughter Irène Joliot-Curie joined the Radium Institute. Marie Curie did not work at Google." }]));
    assert.deepEqual(got.entities.map((e) => [e.name, e.type]), [['Marie Curie', 'person'], ['Irène Joliot-Curie', 'person'], ['Radium Institute', 'organization'], ['Google', 'organization']]);
    assert.deepEqual(got.entities[1]!.attributes, { firstName: 'Irène', lastName: 'Joliot-Curie' });
    // no verb between "Marie Curie's" and "Irène Joliot-Curie": no relation between them
    assert.deepEqual(got.relations.map((r) => [r.subject, r.predicate, r.object]), [
      ['Irène Joliot-Curie', 'join', 'Radium Institute'], ['Marie Curie', 'not work at', 'Google'],
    ]);
    // 'did not work at' is four words between the two: 0.9 - 2 × 0.05
    assert.equal(got.relations[1]!.confidence, 0.8);
  });

  it('does not give a relative clause\'s place the main verb', () => {
    const got = flatten(extractKnowledge([{ id: 'c', text: 'Jane Goodall, who was born in London, studied chimpanzees in Tanzania.' }]));
    assert.deepEqual(got.entities.map((e) => e.name), ['Jane Goodall', 'London', 'Tanzania']);
    assert.ok(!got.relations.some((r) => r.subject === 'London'), JSON.stringify(got.relations));
  });

  it('honours minTermCount and terms: false', () => {
    assert.ok(!extractKnowledge(RADIUM, { minTermCount: 3 }).entities.some((e) => e.type === 'term'));
    const none = flatten(extractKnowledge(RADIUM, { terms: false }));
    assert.ok(!none.entities.some((e) => e.type === 'term'));
    // without the term between them the two Curies are neighbours, and the noun joins the predicate
    // (weaker: 0.85 for three words between, × 0.8)
    assert.deepEqual(none.relations, [{ subject: 'Marie Curie', predicate: 'study radioactivity with', object: 'Pierre Curie', confidence: 0.68, chunkId: 'radium:0' }]);
  });

  it('names a bad option', () => {
    assert.throws(() => extractKnowledge(CURIE, { minTermCount: 0 }), /options\.minTermCount must be a positive integer/);
    assert.throws(() => extractKnowledge(CURIE, { maxTermWords: 1.5 }), /options\.maxTermWords must be a positive integer/);
    assert.throws(() => extractKnowledge(CURIE, { terms: 'yes' as unknown as boolean }), /options\.terms must be a boolean/);
  });

  it('returns nothing for text without names', () => {
    assert.deepEqual(extractKnowledge([{ id: 'e', text: '' }, { id: 'f', text: '1, 2, 3 ... ;;; ~~~' }]), { entities: [], relations: [] });
  });

  it('normalises names for matching: case, accents, spacing, possessive, a leading "the"', () => {
    assert.equal(normalizeName('  MARIE   Curie\'s '), 'marie curie');
    assert.equal(normalizeName('Irène Joliot-Curie'), 'irene joliot-curie');
    assert.equal(normalizeName('The University of Paris.'), 'university of paris');
    assert.equal(normalizeName('%%%'), '');
  });

  it('gives on a WorkerPool thread exactly what it gives on the main thread', async () => {
    const pool = new WorkerPool({ filename: new URL('../../src/knowledge/worker.js', import.meta.url), name: 'knowledge', threads: 2 });
    try {
      const tasks: KnowledgeTask[] = [{ chunks: CURIE }, { chunks: RADIUM, options: { minTermCount: 2 } }];
      const results = await Promise.all(tasks.map((t) => pool.run<ExtractedKnowledge>(t)));
      assert.deepEqual(results[0], extractKnowledge(CURIE));
      assert.deepEqual(results[1], extractKnowledge(RADIUM));
      await assert.rejects(pool.run({ chunks: CURIE, options: { minTermCount: -1 } }), /minTermCount must be a positive integer/);
    } finally {
      await pool.close();
    }
  });
});
