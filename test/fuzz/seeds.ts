/**
 * The seed corpus: real documents (test/fixtures/fuzz/seeds, see SOURCES.md there, plus the project's
 * generated PDFs and DOCX) and real messages, built here with the codec's own encoder (ingest, results,
 * every stage message and a dead letter), each as msgpack and JSON, compressed and not.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import { Codec, type Encoded, type Format } from '../../src/codec/index.js';
import { loadConfig } from '../../src/config/load.js';
import { DeadLetter, ErrorReply, Ingest, Result, type MessageKind } from '../../src/messages/index.js';
import { Chunks, Embedded, Extracted, Loaded, SearchRequest } from '../../src/messages/pipeline.js';
import { makeDocx } from '../fixtures/documents/make-docx.js';
import { makePdf } from '../fixtures/documents/make-pdf.js';

/** The configuration docflow ships (config/default.yaml), without this shell's DOCFLOW_* overrides. */
export const CONFIG = loadConfig({ env: {} });
/** The codec as production builds it. */
export const codec = new Codec(CONFIG.codec);

const SEEDS_DIR = fileURLToPath(new URL('../../../test/fixtures/fuzz/seeds/', import.meta.url));

/** The real seed files, by name. */
export function seedFiles(): Map<string, Uint8Array> {
  return new Map(readdirSync(SEEDS_DIR).filter((f) => f !== 'SOURCES.md').map((f) => [f, new Uint8Array(readFileSync(SEEDS_DIR + f))]));
}

/** A seed document: its bytes and the file name it would come with. */
export interface SeedDoc {
  name: string;
  bytes: Uint8Array;
}

/** Small PDFs from the project's generator: text, compressed streams, an image page, an encrypted one. */
export function generatedPdfs(): SeedDoc[] {
  return [
    { name: 'small.pdf', bytes: makePdf({ title: 'Seed', compress: true, pages: [{ lines: ['Alpha beta', 'gamma (delta)'] }, { image: true, lines: ['Epsilon'] }, { lines: ['Zeta'] }] }) },
    { name: 'plain.pdf', bytes: makePdf({ pages: [{ lines: ['One page, not compressed', '', 'second paragraph'] }] }) },
    { name: 'locked.pdf', bytes: makePdf({ encrypt: true, pages: [{ lines: ['secret'] }] }) },
  ];
}

/** A DOCX from the project's generator: headings, paragraphs and a core title. */
export function generatedDocx(): SeedDoc {
  return { name: 'made.docx', bytes: makeDocx([{ text: 'Title', heading: 1 }, { text: 'Body text.' }, { text: 'Sub', heading: 2 }, { text: 'More & <more>.' }], { title: 'Seed' }) };
}

/** gzip containers: the real ls.1.gz and gzipped copies of other seeds (docflow unwraps gzip first). */
export function gzipSeeds(files: Map<string, Uint8Array>): SeedDoc[] {
  const wrap = (name: string): SeedDoc => ({ name: `${name}.gz`, bytes: new Uint8Array(gzipSync(files.get(name)!)) });
  return [{ name: 'ls.1.gz', bytes: files.get('ls.1.gz')! }, wrap('scp.1'), wrap('python-copyright.html'), wrap('procps-bugs.md'), wrap('README.venv.txt')];
}

/** A seed message: its kind, its encoded body with the headers it was sent with, its plain body. */
export interface SeedMessage {
  kind: MessageKind;
  encoded: Encoded;
  /** The body before LZ4 (the same as `encoded.body` when that is not compressed). */
  plain: Uint8Array;
}

/** The kinds a decode input may be read as, by name (regression files name their kind). */
export const KINDS: Readonly<Record<string, MessageKind>> = Object.fromEntries(
  [Ingest, Result, DeadLetter, ErrorReply, SearchRequest, Loaded, Extracted, Chunks, Embedded].map((k) => [k.name, k]),
);

const HASH = 'a'.repeat(64);
const AT = '2026-01-02T03:04:05.678Z';

/** One plain value per kind (and two ingest shapes), realistic in size and in every optional field. */
function messages(doc: Uint8Array): Array<[MessageKind, unknown]> {
  const fields = {
    docId: 'doc_1-A', source: 'file:///data/docs/ls.1', name: 'ls.1', mime: 'text/troff', metadata: { team: 'docs', year: 2026, draft: false },
    collection: 'docs', priority: 'normal', contentHash: HASH, bytes: doc.length, acceptedAt: AT, ingestSeq: 42, known: true, timings: { load: 1.5 },
  };
  const text = 'LS(1)\n\nNAME\n\nls - list directory contents\n\nSYNOPSIS\n\nls [OPTION]... [FILE]...';
  const sections = [{ start: 0, end: 7, headingPath: [] }, { start: 7, end: 41, headingPath: ['NAME'] }, { start: 41, end: text.length, headingPath: ['SYNOPSIS'], page: 1 }];
  const chunks = sections.map((s, index) => ({ index, text: text.slice(s.start, s.end), start: s.start, end: s.end, headingPath: s.headingPath, size: s.end - s.start }));
  const vectors = new Uint8Array(new Float32Array(chunks.length * 4).map((_, i) => Math.sin(i)).buffer);
  return [
    [Ingest, { id: 'doc_1', text, mime: 'text/plain', metadata: { lang: 'en', n: 3 }, priority: 'high', collection: 'docs' }],
    [Ingest, { data: doc, mime: 'text/troff' }],
    [Ingest, { uri: 'file:///data/docs/ls.1' }],
    [Result, { docId: 'doc_1', status: 'indexed', chunks: 12, attempt: 1, elapsedMs: 35.25, at: AT }],
    [Result, { docId: 'doc_2', status: 'failed', stage: 'extract', error: { code: 'ERR_EXTRACT_CORRUPT', message: 'damaged', retryable: false, details: { at: [1, 2] } }, at: AT }],
    [ErrorReply, { error: { code: 'ERR_QUERY_LIMIT', message: 'k is over 100' } }],
    [SearchRequest, { text: 'list files', k: 5, where: { year: { min: 2020 }, team: { in: ['docs', 'ops'] } } }],
    [Loaded, { ...fields, data: doc }],
    [Extracted, { ...fields, format: 'man', title: 'LS(1)', text, sections, pages: 1 }],
    [Chunks, { ...fields, format: 'man', title: 'LS(1)', chunks }],
    [Embedded, { ...fields, format: 'man', chunks, model: 'hash-1024', dimension: 4, vectors }],
    [DeadLetter, { stage: 'extract', subject: 'docflow.stage.extract.normal', docId: 'doc_2', error: { code: 'ERR_STAGE_CRASHED', message: 'died', retryable: false }, attempt: 5, original: doc.subarray(0, 300), originalHeaders: { 'Content-Type': 'application/msgpack' }, at: AT }],
  ];
}

/** Every seed message in both formats, compressed and not. */
export function seedMessages(doc: Uint8Array): SeedMessage[] {
  const out: SeedMessage[] = [];
  for (const [kind, msg] of messages(doc)) {
    for (const format of ['msgpack', 'json'] as Format[]) {
      const plain = codec.encode(kind, msg as never, { format, compress: false });
      out.push({ kind, encoded: plain, plain: plain.body }, { kind, encoded: codec.encode(kind, msg as never, { format, compress: true }), plain: plain.body });
    }
  }
  return out;
}
