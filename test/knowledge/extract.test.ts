import assert from 'node:assert/strict';
import { extractKnowledge, normalizeName, type ExtractedKnowledge } from '../../src/knowledge/index.js';
import { isCodeLine } from '../../src/knowledge/code.js';
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
    assert.throws(() => extractKnowledge(CURIE, { skipCode: 1 as unknown as boolean }), /options\.skipCode must be a boolean/);
  });

  it('does not read lines of code (skipCode, the default), and reads them with skipCode: false', () => {
    const doc = [{ id: 'k', text: [
      'Tim Peters wrote the doctest module.',
      '>>> author = "Marie Curie"',
      '>>> print(len(author))',
      'def greet(val):',
      '    return val',
      'authors = ["Pierre Curie"]',
      'greet("Albert Einstein")',
      'from einstein import Relativity',
    ].join('\n') }];
    const names = (k: ExtractedKnowledge) => k.entities.filter((e) => e.type !== 'term').map((e) => e.name);
    assert.deepEqual(names(extractKnowledge(doc)), ['Tim Peters']);
    const all = names(extractKnowledge(doc, { skipCode: false }));
    for (const n of ['Tim Peters', 'Marie Curie', 'Pierre Curie']) assert.ok(all.includes(n), `${n} in ${JSON.stringify(all)}`);
    assert.ok(all.some((n) => n.includes('Einstein')), `Einstein in ${JSON.stringify(all)}`);
  });

  it('tells lines of code from prose by their shape', () => {
    const code = ['>>> import csv', '...     print(row)', '...', 'def greet(name):', '    return name', 'try:', 'else:', '    finally:', 'class C(ABC):', 'import _thread',
      'class argparse.Namespace', '    raise ValueError("bad")', '    yield item', 'return', 'import os, sys', 'import numpy as np', '    except KeyError as e:', 'async def main():',
      'from contextlib import contextmanager', '    for i in range(3):', 'with open(path) as f:', '@contextmanager', 'node.op = ast.USub()',
      "    body=Compare(", 'aifc.open(file, mode=None)', 'callable(obj)'];
    const prose = ['If the file is missing, open() raises OSError.', 'The value x = 1 is the default.', 'Marie Curie was born in Warsaw.',
      'Returns a list: the items in order.', 'for example, the csv module reads it.', 'Removes usage of execfile(). The argument is wrapped.', 'See also:', '',
      // lines of hard-wrapped prose (PDF, plain text) that start with a keyword
      'except Marie Curie, who stayed in Paris', 'return to Warsaw, where she was born', 'class of 1903 included Pierre Curie and',
      'raise funds for the Radium Institute in Paris', 'yield of radium that the ore gave', 'with Albert Einstein and Niels Bohr:', 'import duties on pitchblende rose'];
    assert.deepEqual(code.filter((l) => !isCodeLine(l)), [], 'code taken for prose');
    assert.deepEqual(prose.filter((l) => isCodeLine(l)), [], 'prose taken for code');
  });

  it('an acronym is an organisation only when the tagger\'s lexicon knows it as one; another that recurs is a term', () => {
    const doc = [{ id: 'a', text: 'NASA and IBM built the API. The API speaks HTTP. The REPL prints it. ACME Corporation sold it.' }];
    const got = extractKnowledge(doc).entities.map((e) => [e.name, e.type]);
    assert.deepEqual(got.filter(([, type]) => type === 'organization'), [['NASA', 'organization'], ['IBM', 'organization'], ['ACME Corporation', 'organization']], 'an acronym in a longer name keeps it whole');
    assert.ok(got.some(([name, type]) => name === 'API' && type === 'term'), JSON.stringify(got));
  });

  it('keeps prose that mentions code, and the sentences around a code line apart', () => {
    const doc = [{ id: 'p', text: 'If the file is missing, open() raises an error and Marie Curie moved to Paris.\n>>> x = 1\nPierre Curie taught at Harvard University.' }];
    const k = flatten(extractKnowledge(doc));
    assert.deepEqual(k.entities.filter((e) => e.type !== 'term').map((e) => e.name), ['Marie Curie', 'Paris', 'Pierre Curie', 'Harvard University']);
    assert.ok(!k.relations.some((r) => r.subject === 'Paris' && r.object === 'Pierre Curie'), `no relation across the removed line: ${JSON.stringify(k.relations)}`);
  });

  it('takes as a name only what is written as one: not lower-case words, not identifiers of code', () => {
    const doc = [{ id: 'n', text: 'The bach and rembrandt files moved to mississippi. Use collections.abc.MappingView or max_len there. The GIL is released. Vincent van Gogh painted in Paris.' }];
    const named = extractKnowledge(doc).entities.filter((e) => e.type !== 'term').map((e) => [e.name, e.type]);
    assert.deepEqual(named, [['Vincent van Gogh', 'person'], ['Paris', 'place']]);
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
