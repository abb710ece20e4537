/**
 * Security defaults, item 4 (issue #7): a size limit on every input, each breach a typed error and not
 * a crash, through the real pipeline and query services. The limits are lowered from the defaults
 * (config/default.yaml) so that breaching them is cheap; the checks are the same. Codec-level bombs
 * in more shapes: test/codec/bad-input.test.ts; extractor bombs: test/extract/*.test.ts.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { execFileSync } from 'node:child_process';
import { connect as tcpConnect } from 'node:net';
import { truncateSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { deflateRawSync, gzipSync } from 'node:zlib';
import { connect } from '@nats-io/transport-node';
import { deriveDocId } from '../../actors/load/doc-id.js';
import { MAX_METADATA_KEYS } from '../../actors/load/load.actor.js';
import { DocflowError } from '../../src/errors/index.js';
import { DeadLetter, type IngestMessage } from '../../src/messages/index.js';
import { SearchReply, SearchRequest } from '../../src/messages/pipeline.js';
import { QueryInput } from '../../src/messages/queries.js';
import { MAX_PAGE_SIZE } from '../../src/stores/knowledge/types.js';
import { defineKind } from '../../src/messages/kind.js';
import { Type as T } from '@sinclair/typebox';
import { startPipeline, type PipelineHarness } from '../harness/pipeline.js';
import { readStream, waitFor } from '../harness/streams.js';
import { docxParts } from '../fixtures/documents/make-docx.js';
import { makeZip } from '../fixtures/documents/make-zip.js';

const LOAD_MAX = 64 * 1024;
const BODY_MAX = 2 * 1024 * 1024;
const DECODED_MAX = 1024 * 1024;
const GUNZIP_MAX = 1024 * 1024;
/** Any reply: the checks are about the error, not the answer's shape. */
const AnyReply = defineKind('any-reply', T.Unknown());

const isCode = (code: string) => (e: unknown) => e instanceof DocflowError && e.code === code;

describe('security 4: size limits on every input', function () {
  this.timeout(120_000);
  let h: PipelineHarness;

  before(async () => {
    h = await startPipeline({
      overrides: {
        'knowledge.enabled': false, 'load.maxBytes': LOAD_MAX, 'codec.maxBodyBytes': BODY_MAX, 'codec.maxDecodedBytes': DECODED_MAX,
        'extract.maxDecompressedBytes': GUNZIP_MAX,
      },
    });
  });
  after(async () => { await h?.[Symbol.asyncDispose](); });

  describe('ingest bodies', () => {
    it('over max_payload: the client library refuses to send it, and the server refuses it from a raw client', async () => {
      const nc = await connect({ servers: h.nats.url });
      try {
        const max = nc.info!.max_payload;
        assert.equal(max, 1024 * 1024, 'nats-server.conf sets max_payload: 1MB');
        assert.throws(() => nc.publish(h.node.transport.subject('ingest'), new Uint8Array(max + 1)), /max_payload|payload/i);
      } finally {
        await nc.close();
      }
      const said = await rawPublish(Number(new URL(h.nats.url).port), h.node.transport.subject('ingest'), 2 * 1024 * 1024);
      assert.match(said, /-ERR 'Maximum Payload Violation'/);
    });

    it('by claim check over codec.maxBodyBytes, an LZ4 bomb, nesting past codec.maxDepth: dead-lettered with their codes', async () => {
      const t = h.node.transport;
      const ingest = t.subject('ingest');
      const json = { 'Content-Type': 'application/json' };
      // Bigger than max_payload: docflow's own publish sends it by claim check; the load stage refuses
      // to fetch it (the object's size is checked first).
      await t.publishRaw(ingest, new TextEncoder().encode(JSON.stringify({ text: 'x'.repeat(BODY_MAX + 1) })), json);
      // 16 MiB of JSON in a standard LZ4 frame of a few KiB, made by the `lz4` command (which declares
      // no content size: the codec's walk over the blocks bounds it before decompressing).
      const bomb = execFileSync('lz4', ['-c'], { input: JSON.stringify({ text: ' '.repeat(16 * 1024 * 1024) }), maxBuffer: 1 << 20 });
      assert.ok(bomb.length < 100_000, `the bomb is small (${bomb.length} bytes)`);
      await t.publishRaw(ingest, bomb, { ...json, 'Content-Encoding': 'lz4' });
      await t.publishRaw(ingest, new TextEncoder().encode(`{"text":"x","metadata":${'['.repeat(10_000)}${']'.repeat(10_000)}}`), json);
      await waitFor('three dead letters', async () => (await readStream(t, 'DLQ', DeadLetter)).filter((d) => d.message.docId === undefined).length >= 3);
      const codes = (await readStream(t, 'DLQ', DeadLetter)).filter((d) => d.message.docId === undefined).map((d) => d.message.error.code).sort();
      assert.deepEqual(codes, ['ERR_CODEC_DEPTH', 'ERR_CODEC_LZ4_TOO_LARGE', 'ERR_CODEC_TOO_LARGE']);
    });
  });

  describe('documents', () => {
    it('text, data and files over load.maxBytes, a gzip bomb, a DOCX zip bomb and oversized metadata end `failed` with their codes', async () => {
      const file = (name: string, data: Uint8Array | string) => {
        const p = join(h.dir, name);
        writeFileSync(p, data);
        return pathToFileURL(p).href;
      };
      const huge = join(h.dir, 'huge.txt');
      writeFileSync(huge, '');
      truncateSync(huge, 10 * 1024 ** 3); // 10 GiB, sparse: refused from its size, never read
      const zeros = 20 * 1024 * 1024;
      const docxBomb = makeZip([...docxParts([{ text: 'Bomb', heading: 1 }]), { name: 'word/media/zeros.bin', data: '', raw: { compressed: deflateRawSync(Buffer.alloc(zeros), { level: 9 }), size: zeros, crc: 0 } }]);
      const cases: Array<[IngestMessage, string, string]> = [
        [{ text: 'a'.repeat(LOAD_MAX + 1) }, 'ERR_LOAD_TOO_LARGE', 'load'],
        [{ text: 'é'.repeat(LOAD_MAX / 2 + 1) }, 'ERR_LOAD_TOO_LARGE', 'load'], // counted in bytes, not characters
        [{ data: randomBytes(LOAD_MAX + 1) }, 'ERR_LOAD_TOO_LARGE', 'load'],
        [{ uri: file('over.txt', 'b'.repeat(LOAD_MAX + 1)) }, 'ERR_LOAD_TOO_LARGE', 'load'],
        [{ uri: pathToFileURL(huge).href }, 'ERR_LOAD_TOO_LARGE', 'load'],
        [{ uri: file('bomb.1.gz', gzipSync(Buffer.alloc(GUNZIP_MAX * 4, '.TH BOMB 1\n'), { level: 9 })) }, 'ERR_EXTRACT_BOMB', 'extract'],
        [{ uri: file('bomb.docx', docxBomb) }, 'ERR_EXTRACT_BOMB', 'extract'],
        // Metadata rides on every chunk: bounded in keys and in bytes.
        [{ text: 'many keys', metadata: Object.fromEntries(Array.from({ length: MAX_METADATA_KEYS + 1 }, (_, i) => [`k${i}`, i])) }, 'ERR_CODEC_SCHEMA', 'load'],
        [{ text: 'long values', metadata: { a: 'v'.repeat(4096), b: 'v'.repeat(4096), c: 'v'.repeat(4096), d: 'v'.repeat(4096) } }, 'ERR_CODEC_SCHEMA', 'load'],
      ];
      const docs = await h.ingest(cases.map(([msg], i) => ({ msg, source: `case ${i}` })));
      const got = cases.map(([msg]) => {
        const d = docs.get(deriveDocId(msg).docId);
        return `${d?.status} ${d?.error?.code}`;
      });
      assert.deepEqual(got, cases.map(([, code]) => `failed ${code}`));
      const t = h.node.transport;
      await waitFor('their dead letters', async () => (await readStream(t, 'DLQ', DeadLetter)).filter((d) => d.message.docId !== undefined).length >= cases.length);
      const dead = new Map((await readStream(t, 'DLQ', DeadLetter)).map(({ message }) => [message.docId, message]));
      for (const [msg, code, stage] of cases) assert.deepEqual([dead.get(deriveDocId(msg).docId)?.error.code, dead.get(deriveDocId(msg).docId)?.stage], [code, stage]);
    });

    it('the pipeline goes on: a document at the limits is indexed', async () => {
      const metadata = Object.fromEntries(Array.from({ length: MAX_METADATA_KEYS }, (_, i) => [`k${i}`, i]));
      const msg = { text: `The last word on limits. ${'z'.repeat(LOAD_MAX - 40)}`, metadata };
      assert.ok(Buffer.byteLength(msg.text) <= LOAD_MAX);
      const docs = await h.ingest([{ msg, source: 'at the limit' }]);
      assert.equal(docs.get(deriveDocId(msg).docId)?.status, 'indexed');
    });
  });

  describe('query bodies', () => {
    const ask = (what: string, req: Record<string, unknown>) => h.node.transport.request(h.node.transport.subject(`query.${what}`), QueryInput, req, AnyReply);

    it('search: text over 100,000 characters, a vector over 65,536 numbers, over 32 where keys: refused by its schema; k over 100: ERR_QUERY_LIMIT', async () => {
      const search = (req: Record<string, unknown>) => h.node.transport.request(h.node.transport.subject('query.search'), QueryInput, req, SearchReply);
      for (const req of [
        { text: 'w '.repeat(50_001) },
        { vector: new Array(65_537).fill(0.1) },
        { text: 'fine', where: Object.fromEntries(Array.from({ length: 33 }, (_, i) => [`k${i}`, i])) },
      ]) {
        await assert.rejects(search(req), isCode('ERR_CODEC_SCHEMA'), JSON.stringify(req).slice(0, 80));
      }
      // the same code the knowledge queries give for a page over 100, and from a client that checks its request too
      await assert.rejects(search({ text: 'fine', k: 101 }), isCode('ERR_QUERY_LIMIT'));
      await assert.rejects(h.node.transport.request(h.node.transport.subject('query.search'), SearchRequest, { text: 'fine', k: 101 }, SearchReply), isCode('ERR_QUERY_LIMIT'));
      const ok = await h.node.transport.request(h.node.transport.subject('query.search'), SearchRequest, { text: 'fine', k: 100 }, SearchReply);
      assert.ok(Array.isArray(ok.results), 'k = 100 is allowed');
      // nothing to search for: blank text, a vector of zeros (no direction: every distance the same)
      await assert.rejects(search({ text: ' \t\n ' }), (e: unknown) => isCode('ERR_QUERY_INVALID')(e) && /blank/.test((e as Error).message));
      await assert.rejects(search({ vector: new Array(h.config.embed.dimension).fill(0) }), (e: unknown) => isCode('ERR_QUERY_INVALID')(e) && /all zeros/.test((e as Error).message));
    });

    it('knowledge queries: size over 100, a page past the deepest offset, maxDepth over 6, more than 100 ids, names over 256 characters', async () => {
      for (const [what, req, code] of [
        ['entities', { size: MAX_PAGE_SIZE + 1 }, 'ERR_QUERY_LIMIT'],
        ['relations', { size: MAX_PAGE_SIZE + 1 }, 'ERR_QUERY_LIMIT'],
        ['entities', { page: 1_000_000_000, size: 100 }, 'ERR_QUERY_LIMIT'],
        ['paths', { from: 'a', to: 'b', maxDepth: 7 }, 'ERR_QUERY_LIMIT'],
        ['paths', { from: 'a', to: 'b', limit: 101 }, 'ERR_QUERY_LIMIT'],
        ['documents', { ids: Array.from({ length: 101 }, (_, i) => `d${i}`) }, 'ERR_QUERY_LIMIT'],
        ['entities', { name: 'n'.repeat(257) }, 'ERR_QUERY_INVALID'],
        ['relations', { predicate: 'p'.repeat(129) }, 'ERR_QUERY_INVALID'],
      ] as const) {
        await assert.rejects(ask(what, req), isCode(code), `${what} ${JSON.stringify(req).slice(0, 80)}`);
      }
      const fine = await ask('entities', { size: MAX_PAGE_SIZE }) as { size: number };
      assert.equal(fine.size, MAX_PAGE_SIZE, 'size = 100 is allowed');
    });
  });
});

/** Announce a body of `bytes` on a fresh raw connection (no client library to refuse it first); the server's answer. */
function rawPublish(port: number, subject: string, bytes: number): Promise<string> {
  return new Promise((done) => {
    const sock = tcpConnect({ host: '127.0.0.1', port });
    let said = '';
    const timer = setTimeout(() => { sock.destroy(); done(said); }, 3_000);
    sock.once('data', () => {
      // The header alone: the server judges the size from it (sending the body too would race its reset).
      sock.write(`CONNECT {"verbose":false}\r\nPUB ${subject} ${bytes}\r\n`);
      sock.on('data', (d) => { said += d.toString(); });
    });
    sock.once('close', () => { clearTimeout(timer); done(said); });
    sock.on('error', () => undefined); // the server resets the connection after its answer
  });
}
