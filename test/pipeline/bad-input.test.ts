import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { readFileSync, symlinkSync, truncateSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { deflateRawSync } from 'node:zlib';
import { glob } from 'tinyglobby';
import { createExtractActor } from '../../actors/extract/extract.actor.js';
import { deriveDocId } from '../../actors/load/doc-id.js';
import type { Extracted } from '../../src/extract/index.js';
import { DeadLetter, Ingest, Result, type IngestMessage, type MessageKind } from '../../src/messages/index.js';
import { extractStage } from '../../src/pipeline/stages.js';
import { WorkerPool } from '../../src/pool/index.js';
import type { StageDefinition } from '../../src/runtime/stage/types.js';
import { startPipeline, type PipelineHarness } from '../harness/pipeline.js';
import { readStream, waitFor } from '../harness/streams.js';
import { docxParts } from '../fixtures/documents/make-docx.js';
import { makePdf } from '../fixtures/documents/make-pdf.js';
import { makeZip } from '../fixtures/documents/make-zip.js';

const HTML = '/usr/share/doc/python3.11/html';
const R_DATA = '/usr/share/R/doc/manual/R-data.pdf';
const MAX_BYTES = 4 * 1024 * 1024;

describe('bad input through the whole pipeline: each ends failed with its code, in the DLQ, and the rest completes', function () {
  this.timeout(300_000);
  let h: PipelineHarness;
  let pool: WorkerPool;
  const expected = new Map<string, { code: string; stage: string }>(); // docId → failure
  let good: string[] = [];
  let docs: Awaited<ReturnType<PipelineHarness['ingest']>>;

  before(async () => {
    // The real extractor on a worker pool with a short task timeout, plus one marker that hangs it.
    pool = new WorkerPool({ filename: new URL('../fixtures/workers/hanging-extract-worker.js', import.meta.url), name: 'extract', threads: 1, taskTimeoutMs: 8_000, maxQueue: 64 }); // the stage's credit bounds the work; 8 s: a good page's first extraction loads the parsers, slow on a loaded machine
    h = await startPipeline({
      roots: [HTML],
      pipeline: ['load', 'split', 'embed', 'index'],
      overrides: { 'load.maxBytes': MAX_BYTES },
      stages: (config) => [extractStage(createExtractActor({
        options: { ...config.extract },
        run: (task, signal) => pool.run<Extracted>(task, { signal }),
      }), (rel) => `${config.subjectPrefix}.${rel}`) as unknown as StageDefinition<MessageKind, MessageKind>],
    });
  });
  after(async () => {
    await h?.[Symbol.asyncDispose]();
    await pool?.close();
  });

  function file(name: string, data: Uint8Array | string): string {
    const p = join(h.dir, name);
    writeFileSync(p, data);
    return p;
  }

  it('runs bad documents among good ones', async () => {
    const items: Array<{ msg: IngestMessage; source: string; code?: string; stage?: string }> = [];
    const add = (msg: IngestMessage, source: string, code?: string, stage?: string) => items.push({ msg, source, ...(code ? { code, stage: stage! } : {}) });
    const uri = (p: string) => pathToFileURL(p).href;
    const whole = readFileSync(R_DATA);
    const flipped = Buffer.from(whole);
    for (let i = 2000; i < flipped.length - 2048; i += 97) flipped[i]! ^= 0xff;
    const zeros = 200_000_000;
    const bomb = makeZip([...docxParts([{ text: 'Bomb', heading: 1 }, { text: 'inside' }]), { name: 'word/media/zeros.bin', data: '', raw: { compressed: deflateRawSync(Buffer.alloc(zeros), { level: 9 }), size: zeros, crc: 0 } }]);
    const big = file('big.txt', '');
    truncateSync(big, MAX_BYTES + 1);
    symlinkSync('/etc/hostname', join(h.dir, 'escape.txt'));

    add({ uri: uri(file('picture.png', Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), randomBytes(2000)]))) }, 'png', 'ERR_EXTRACT_UNSUPPORTED', 'extract');
    add({ uri: uri(file('flipped.pdf', flipped)) }, 'corrupt pdf', 'ERR_EXTRACT_CORRUPT', 'extract');
    add({ uri: uri(file('truncated.pdf', whole.subarray(0, whole.length >> 1))) }, 'truncated pdf', 'ERR_EXTRACT_CORRUPT', 'extract');
    add({ uri: uri(file('locked.pdf', makePdf({ pages: [{ lines: ['secret'] }], encrypt: true }))) }, 'encrypted pdf', 'ERR_EXTRACT_ENCRYPTED', 'extract');
    add({ uri: uri(file('scan.pdf', makePdf({ pages: [{ image: true }, { image: true }] }))) }, 'image-only pdf', 'ERR_EXTRACT_NO_TEXT', 'extract');
    add({ uri: uri(file('empty.txt', '')) }, 'empty file', 'ERR_LOAD_EMPTY', 'load');
    add({ text: '   \n\n  ' }, 'whitespace text', 'ERR_EXTRACT_NO_TEXT', 'extract');
    add({ data: randomBytes(4096), mime: 'text/plain' }, 'binary as text', 'ERR_EXTRACT_BINARY', 'extract');
    add({ uri: uri(file('bomb.docx', bomb)) }, 'zip bomb docx', 'ERR_EXTRACT_BOMB', 'extract');
    add({ uri: uri(big) }, 'over the size limit', 'ERR_LOAD_TOO_LARGE', 'load');
    add({ uri: 'file:///etc/passwd' }, 'outside the roots', 'ERR_LOAD_OUTSIDE_ROOTS', 'load');
    add({ uri: `${uri(h.dir)}/%2e%2e/%2e%2e/%2e%2e/%2e%2e/etc/passwd` }, 'encoded dot-dot', 'ERR_LOAD_OUTSIDE_ROOTS', 'load');
    add({ uri: uri(join(h.dir, 'escape.txt')) }, 'escaping symlink', 'ERR_LOAD_OUTSIDE_ROOTS', 'load');
    add({ uri: 'https://example.com/a.html' }, 'other scheme', 'ERR_LOAD_URI', 'load');
    add({ id: 'has spaces/and.dots', text: 'fine text' }, 'invalid id', 'ERR_LOAD_INVALID_ID', 'load');
    add({ text: 'HANG-THE-EXTRACTOR: a parser that never returns' }, 'hanging extractor', 'ERR_EXTRACT_TIMEOUT', 'extract');
    good = (await glob('library/*.html', { cwd: HTML, absolute: true })).sort().slice(0, 25);
    for (const g of good) add({ uri: uri(g) }, g);
    for (const it of items) if (it.code) expected.set(deriveDocId(it.msg).docId, { code: it.code, stage: it.stage! });
    assert.equal(expected.size, items.filter((i) => i.code).length, 'each bad document has its own id');

    // Undecodable messages on the ingest subject: dead-lettered, nothing else disturbed.
    await h.node.transport.publishRaw(h.node.transport.subject('ingest'), new Uint8Array([0x81, 0xc1, 0x00]), { 'Content-Type': 'application/msgpack' });
    await h.node.transport.publishRaw(h.node.transport.subject('ingest'), new TextEncoder().encode('{"text": 12}'), { 'Content-Type': 'application/json' });
    // Messages that break the schema but name their document: a `failed` result under that id (or the safe one).
    for (const body of ['{"id": "schema-named", "text": "x", "colour": "red"}', '{"id": "not a/valid id", "text": 12}', '{"id": "bad-meta-key", "text": "x", "metadata": {"a b": {"nested": 1}}}',
      '{"text": "named by its content", "collection": "team docs"}']) {
      await h.node.transport.publishRaw(h.node.transport.subject('ingest'), new TextEncoder().encode(body), { 'Content-Type': 'application/json' });
    }

    docs = await h.ingest(items.map(({ msg, source }) => ({ msg, source })));
  });

  it('each bad document ends `failed` with its code', () => {
    const got = new Map([...docs.values()].filter((d) => expected.has(d.docId)).map((d) => [d.docId, `${d.status} ${d.error?.code}`]));
    assert.deepEqual(Object.fromEntries(got), Object.fromEntries([...expected].map(([id, e]) => [id, `failed ${e.code}`])));
  });

  it('every good document is indexed', () => {
    for (const g of good) {
      const d = docs.get(deriveDocId({ uri: pathToFileURL(g).href }).docId);
      assert.equal(d?.status, 'indexed', `${g}: ${d?.status} ${d?.error?.code ?? ''}`);
      assert.ok((d?.chunks ?? 0) > 0);
    }
  });

  it('each bad document, and each undecodable message, is in the dead-letter stream with the reason', async () => {
    const t = h.node.transport;
    await waitFor('dead letters', async () => (await readStream(t, 'DLQ', DeadLetter)).length >= expected.size + 6);
    const dl = (await readStream(t, 'DLQ', DeadLetter)).map((m) => m.message);
    for (const [docId, e] of expected) {
      const entry = dl.find((m) => m.docId === docId);
      assert.ok(entry, `no dead letter for ${docId} (${e.code})`);
      assert.equal(entry.error.code, e.code);
      assert.equal(entry.stage, e.stage);
      assert.ok(entry.attempt >= 1);
    }
    const undecodable = dl.filter((m) => m.docId === undefined);
    assert.deepEqual(undecodable.map((m) => m.error.code).sort(), ['ERR_CODEC_MSGPACK', 'ERR_CODEC_SCHEMA']);
    const named = [['schema-named', 'schema-named'], ['not a/valid id', deriveDocId({ id: 'not a/valid id' }).docId], ['bad-meta-key', 'bad-meta-key'],
      ['(derived from its text)', deriveDocId({ text: 'named by its content' }).docId]] as const;
    for (const [id, docId] of named) {
      assert.deepEqual(dl.filter((m) => m.docId === docId).map((m) => [m.stage, m.error.code]), [['load', 'ERR_CODEC_SCHEMA']], `the dead letter of ${id} names its document`);
      const results = (await readStream(t, 'RESULTS', Result)).filter((m) => m.message.docId === docId).map((m) => m.message);
      assert.deepEqual(results.map((r) => [r.status, r.stage, r.error?.code]), [['failed', 'load', 'ERR_CODEC_SCHEMA']], `the failed result of ${id}`);
    }
    // The original travels with it, so it can be replayed after a fix.
    const msg = t.codec.decode(Ingest, dl.find((m) => m.error.code === 'ERR_LOAD_EMPTY')!.original, {});
    assert.match(msg.uri ?? '', /empty\.txt$/);
  });
});
