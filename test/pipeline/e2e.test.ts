import assert from 'node:assert/strict';
import { copyFileSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { glob } from 'tinyglobby';
import { deriveDocId } from '../../actors/load/doc-id.js';
import { chunkId } from '../../actors/index/index.actor.js';
import type { IngestMessage } from '../../src/messages/index.js';
import { SearchReply, SearchRequest } from '../../src/messages/pipeline.js';
import { hashEmbedPacked } from '../../src/embed/index.js';
import { startPipeline, type PipelineHarness } from '../harness/pipeline.js';
import { makeDocx } from '../fixtures/documents/make-docx.js';

const HTML = '/usr/share/doc/python3.11/html';
const RST = '/usr/share/doc/python3.11/html/_sources';
const PDFS = ['/usr/share/R/doc/manual/R-data.pdf', '/usr/share/R/doc/manual/R-FAQ.pdf'];

/** A real corpus of every supported format: HTML, text, Markdown, PDF, DOCX, man pages. */
async function corpus(dir: string): Promise<string[]> {
  const html = (await glob('library/*.html', { cwd: HTML, absolute: true })).sort().filter((_, i) => i % 2 === 0).slice(0, 150);
  const text = (await glob('**/*.rst.txt', { cwd: RST, absolute: true })).sort().filter((_, i) => i % 6 === 0).slice(0, 50);
  const man = (await glob('*.1.gz', { cwd: '/usr/share/man/man1', absolute: true })).sort().filter((_, i) => i % 200 === 0).slice(0, 15);
  // Markdown from real reST sources: their headings become ATX headings.
  const md = text.slice(0, 10).map((src, i) => {
    const lines = readFileSync(src, 'utf8').split('\n');
    const out: string[] = [];
    for (let j = 0; j < lines.length; j++) {
      const next = lines[j + 1] ?? '';
      if (/^[=*-]{3,}\s*$/.test(next) && lines[j]!.trim() && next.trim().length >= lines[j]!.trim().length) {
        out.push(`${next[0] === '-' ? '##' : '#'} ${lines[j]!.trim()}`);
        j++;
      } else if (!/^[=*-]{3,}\s*$/.test(lines[j]!)) out.push(lines[j]!);
    }
    const path = join(dir, `doc-${i}.md`);
    writeFileSync(path, out.join('\n'));
    return path;
  });
  const docx = Array.from({ length: 5 }, (_, i) => {
    const path = join(dir, `report-${i}.docx`);
    writeFileSync(path, makeDocx([
      { text: `Quarterly report ${i}`, heading: 1 },
      { text: `This report number ${i} describes the harvest of the heliotrope orchard in region ${i * 7}.` },
      { text: 'Findings', heading: 2 },
      { text: `Finding ${i}: the ${WORDS[i]} irrigation scheme reduced water use by ${10 + i} percent.` },
    ]));
    return path;
  });
  const pdf = PDFS.map((src) => {
    const path = join(dir, src.split('/').pop()!);
    copyFileSync(src, path);
    return path;
  });
  return [...html, ...text, ...md, ...man, ...docx, ...pdf];
}

const WORDS = ['zephyr', 'quillwort', 'marram', 'sphagnum', 'bulrush'];
const uriOf = (path: string): IngestMessage => ({ uri: pathToFileURL(path).href });

describe('pipeline end to end (real nats-server, PostgreSQL, Chroma)', function () {
  this.timeout(600_000);
  let h: PipelineHarness;
  let files: string[];
  const terminal = new Map<string, { status?: string; chunks?: number }>();

  before(async () => {
    h = await startPipeline({ roots: [HTML, '/usr/share/man/man1'], overrides: { 'pools.extract.threads': 1, 'knowledge.enabled': false } }); // knowledge: test/pipeline/knowledge.test.ts
    files = await corpus(h.dir);
  });
  after(async () => { await h?.[Symbol.asyncDispose](); });

  it('indexes a few hundred real documents of every format: each one reaches `indexed`', async () => {
    assert.ok(files.length >= 200, `corpus of ${files.length}`);
    const docs = await h.ingest(files.map((f) => ({ msg: uriOf(f), source: f })));
    const failed = [...docs.values()].filter((d) => d.status !== 'indexed');
    assert.deepEqual(failed.map((d) => `${d.source}: ${d.status} ${d.error?.code ?? ''} ${d.error?.message ?? ''}`), []);
    for (const d of docs.values()) terminal.set(d.docId, { status: d.status, chunks: d.chunks });
    assert.equal(terminal.size, files.length);
  });

  it('the stores hold exactly the expected chunks (PostgreSQL and Chroma)', async () => {
    const stores = h.node.stores!;
    let total = 0;
    for (const [docId, t] of terminal) {
      const ids = await stores.documents.chunkIds(docId);
      assert.equal(ids.length, t.chunks, `chunks of ${docId}`);
      assert.deepEqual([...ids].sort(), Array.from({ length: t.chunks! }, (_, i) => chunkId(docId, i)).sort());
      total += t.chunks!;
    }
    const collection = stores.index.collectionName(h.config.index.collection, 'hash-v1', h.config.embed.dimension);
    assert.equal(await stores.index.count(collection), total);
  });

  it('re-publishing the same documents ends each one `unchanged`', async () => {
    const docs = await h.ingest(files.map((f) => ({ msg: uriOf(f), source: f })));
    for (const d of docs.values()) {
      assert.equal(d.status, 'unchanged', `${d.source}: ${d.status} ${d.error?.message ?? ''}`);
      assert.equal(d.chunks, terminal.get(d.docId)?.chunks);
    }
  });

  it('editing one file replaces exactly its chunks, leaving none stale', async () => {
    const md = files.find((f) => f.endsWith('.md'))!;
    const docId = deriveDocId(uriOf(md)).docId;
    const before = terminal.get(docId)!.chunks!;
    assert.ok(before >= 2, `the edited document should have several chunks (has ${before})`);
    writeFileSync(md, '# A much shorter document\n\nOnly one paragraph about the quokka census remains.\n');
    const docs = await h.ingest([{ msg: uriOf(md), source: md }]);
    const d = docs.get(docId)!;
    assert.equal(d.status, 'indexed');
    assert.equal(d.chunks, 1);
    const stores = h.node.stores!;
    assert.deepEqual(await stores.documents.chunkIds(docId), [chunkId(docId, 0)]);
    const collection = stores.index.collectionName(h.config.index.collection, 'hash-v1', h.config.embed.dimension);
    const hits = await stores.index.query(collection, new Float32Array(h.config.embed.dimension).fill(1 / Math.sqrt(h.config.embed.dimension)), 100, { docId });
    assert.deepEqual(hits.map((x) => x.id), [chunkId(docId, 0)]);
  });

  it('a document larger than the server\'s max_payload travels by reference and is indexed', async () => {
    // ~1.5 MB of real text: the load stage's message (its bytes) and extract's (its text) exceed 1 MiB.
    const sources = (await glob('library/*.rst.txt', { cwd: RST, absolute: true })).sort();
    let big = '';
    for (const f of sources) {
      if (big.length > 1_500_000) break;
      big += `${readFileSync(f, 'utf8')}\n\n`;
    }
    const path = join(h.dir, 'big-reference.txt');
    writeFileSync(path, big);
    const docs = await h.ingest([{ msg: uriOf(path), source: path }]);
    const d = docs.get(deriveDocId(uriOf(path)).docId)!;
    assert.equal(d.status, 'indexed', `${d.error?.code ?? ''} ${d.error?.message ?? ''}`);
    assert.equal((await h.node.stores!.documents.chunkIds(d.docId)).length, d.chunks);
  });

  it('a search for a distinctive phrase of a document returns that document first', async () => {
    const t = h.node.transport;
    for (const [i, file] of files.filter((f) => f.endsWith('.docx')).entries()) {
      const reply = await t.request(t.subject('query.search'), SearchRequest, { text: `${WORDS[i]} irrigation scheme`, k: 5 }, SearchReply);
      assert.equal(reply.results[0]?.docId, deriveDocId(uriOf(file)).docId, JSON.stringify(reply.results.map((r) => r.docId)));
      assert.ok(reply.results[0]!.score > 0 && reply.results[0]!.score <= 1 + 1e-6);
    }
    // Real documents: twelve words from a chunk of each of a dozen documents. Whether the lexical
    // embedder ranks their page first depends on the page (a long chunk dilutes a short phrase), so
    // what is checked is the search itself: Chroma's best answer is as good as an exact scan of every
    // stored chunk with the same embedder finds.
    const stores = h.node.stores!;
    const dim = h.config.embed.dimension;
    const all = (await stores.db.query<{ id: string; text: string }>('SELECT id, text FROM chunks')).rows;
    const vectors = hashEmbedPacked(all.map((r) => r.text), dim);
    const exactBest = (q: Float32Array) => {
      let best = -Infinity;
      for (let i = 0; i < all.length; i++) {
        let dot = 0;
        for (let k = 0; k < dim; k++) dot += q[k]! * vectors[i * dim + k]!;
        best = Math.max(best, dot);
      }
      return best;
    };
    const sample = [...terminal.keys()].filter((_, i) => i % 17 === 0).slice(0, 12);
    for (const docId of sample) {
      const { rows } = await stores.db.query<{ text: string }>('SELECT text FROM chunks WHERE doc_id = $1 ORDER BY idx LIMIT 1', [docId]);
      const words = (rows[0]?.text ?? '').split(/\s+/).filter(Boolean);
      if (words.length < 12) continue;
      const phrase = words.slice(Math.floor(words.length / 3), Math.floor(words.length / 3) + 12).join(' ');
      const reply = await t.request(t.subject('query.search'), SearchRequest, { text: phrase, k: 5 }, SearchReply);
      const best = exactBest(hashEmbedPacked([phrase], dim));
      assert.ok(reply.results[0]!.score >= best - 0.01, `"${phrase}": search found ${reply.results[0]!.score.toFixed(3)}, an exact scan ${best.toFixed(3)}`);
    }
    const filtered = await t.request(t.subject('query.search'), SearchRequest, { text: 'heliotrope orchard', k: 10, where: { format: 'docx' } }, SearchReply);
    assert.ok(filtered.results.length > 0 && filtered.results.every((r) => r.metadata['format'] === 'docx'));
  });
});
