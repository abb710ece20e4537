import { createHash } from 'node:crypto';
import { basename } from 'node:path';
import type { Actor } from '../../src/actor/types.js';
import { DocflowError } from '../../src/errors/index.js';
import { COLLECTION_NAME, type IngestMessage } from '../../src/messages/index.js';
import type { LoadedMessage } from '../../src/messages/pipeline.js';
import { deriveDocId } from './doc-id.js';
import { openInsideRoots, resolveInsideRoots } from './resolve-uri.js';

/**
 * Bounds on a document's `metadata`. It is copied onto every chunk (in Chroma and PostgreSQL), so an
 * unbounded map multiplies by the chunk count: 20,000 keys took a Chroma upsert down (compaction
 * failures, a minute of retries) for one document. The message schema bounds each key and value.
 */
export const MAX_METADATA_KEYS = 64;
/** @see MAX_METADATA_KEYS; the map as JSON, in UTF-8 bytes. */
export const MAX_METADATA_BYTES = 16 * 1024;

/** What the load stage needs to know of a document already indexed. */
export interface IndexedDocument {
  contentHash: string;
  status: string;
  chunks: number;
  embedModel?: string | null;
  collection?: string | null;
  metadata?: Readonly<Record<string, string | number | boolean>> | null;
}

export interface LoadActorOptions {
  roots: readonly string[];
  maxBytes: number;
  defaultCollection: string;
  /** The embedder model in use: a document indexed with another model is not `unchanged`. */
  model: string;
  /** Look up what is indexed under a document id (PostgreSQL). */
  lookup(docId: string): Promise<IndexedDocument | undefined>;
}

/**
 * The load stage: gives each document its id and bytes. Reads `file://` uris only inside the
 * configured roots, enforces the size limit, hashes the content (the document's identity), and ends
 * a document that is indexed already with the same content and model as `unchanged`.
 */
export function createLoadActor(opts: LoadActorOptions): Actor<IngestMessage, LoadedMessage[]> {
  return {
    name: 'load',
    async handle(msg, ctx) {
      const started = performance.now();
      const { docId, valid } = deriveDocId(msg);
      if (!valid) throw new DocflowError('ERR_LOAD_INVALID_ID', `document id "${String(msg.id).slice(0, 140)}" is not 1-128 of A-Z a-z 0-9 _ -; it is reported as ${docId}`);
      checkMetadata(msg.metadata);
      let data: Uint8Array;
      let name: string | undefined;
      let source = 'inline';
      if (msg.uri !== undefined) {
        const path = await resolveInsideRoots(msg.uri, opts.roots);
        data = await readLimited(path, opts.roots, opts.maxBytes);
        name = basename(path);
        source = msg.uri;
      } else if (msg.text !== undefined) {
        data = Buffer.from(msg.text, 'utf8');
      } else {
        data = msg.data ?? new Uint8Array(0);
      }
      if (data.byteLength > opts.maxBytes) throw new DocflowError('ERR_LOAD_TOO_LARGE', `document ${docId} is ${data.byteLength} bytes, over load.maxBytes (${opts.maxBytes})`);
      if (data.byteLength === 0) throw new DocflowError('ERR_LOAD_EMPTY', `document ${docId} is empty`);
      const contentHash = createHash('sha256').update(data).digest('hex');
      const collection = msg.collection ?? opts.defaultCollection;
      const seq = ctx.seq ?? 0;
      ctx.emit({ type: 'result', status: 'accepted', msgId: `res:${docId}:accepted:${seq}` });
      const known = await opts.lookup(docId);
      const metadata = msg.metadata ?? {};
      // Unchanged: the same bytes, embedder, collection and metadata (new metadata re-indexes the chunks, which carry it).
      // Only on a first try: a message tried before may have gone down the line already, and the row
      // can be its own run's (the ack of load lost in a NATS restart): `unchanged` then would take the
      // place of that run's `indexed` (same de-duplication id). Going on instead is safe: the output's
      // id de-duplicates it when the first try published it, and the document ends `indexed`.
      const firstTry = (ctx.attempt ?? 1) === 1 && (ctx.tries ?? 1) === 1;
      if (firstTry && known && known.status === 'indexed' && known.contentHash === contentHash && (known.embedModel ?? opts.model) === opts.model
        && (known.collection ?? collection) === collection && sameMetadata(known.metadata ?? {}, metadata)) {
        ctx.emit({ type: 'result', status: 'unchanged', chunks: known.chunks, msgId: `res:${docId}:terminal:${seq}` });
        return [];
      }
      return [{
        docId, source, ...(name ? { name } : {}), ...(msg.mime ? { mime: msg.mime } : {}), metadata, collection,
        // moved to another collection: index removes its chunks from the one they were in
        ...(known?.collection && known.collection !== collection && COLLECTION_NAME.test(known.collection) ? { previousCollection: known.collection } : {}),
        priority: msg.priority ?? 'normal', contentHash, bytes: data.byteLength, acceptedAt: new Date().toISOString(), ingestSeq: seq, known: known !== undefined,
        timings: { load: performance.now() - started }, data,
      }];
    },
  };
}

/** The same keys with the same values, in any order. */
function sameMetadata(a: Readonly<Record<string, unknown>>, b: Readonly<Record<string, unknown>>): boolean {
  const keys = Object.keys(a);
  return keys.length === Object.keys(b).length && keys.every((k) => Object.hasOwn(b, k) && a[k] === b[k]);
}

/** @throws DocflowError ERR_CODEC_SCHEMA (a field its schema does not allow) when `metadata` is over its bounds. */
function checkMetadata(metadata: IngestMessage['metadata']): void {
  if (metadata === undefined) return;
  const keys = Object.keys(metadata).length;
  const bytes = keys > MAX_METADATA_KEYS ? 0 : Buffer.byteLength(JSON.stringify(metadata));
  if (keys > MAX_METADATA_KEYS || bytes > MAX_METADATA_BYTES) {
    const message = keys > MAX_METADATA_KEYS ? `has ${keys} keys, over ${MAX_METADATA_KEYS}` : `is ${bytes} bytes as JSON, over ${MAX_METADATA_BYTES}`;
    throw new DocflowError('ERR_CODEC_SCHEMA', `metadata ${message}: it is copied onto every chunk; keep it small`, { details: [{ path: '/metadata', message }] });
  }
}

/** Read at most `max` bytes; a file that is (or grows) larger is refused without reading it whole. */
async function readLimited(path: string, roots: readonly string[], max: number): Promise<Uint8Array> {
  const fh = await openInsideRoots(path, roots);
  try {
    const { size } = await fh.stat();
    if (size > max) throw new DocflowError('ERR_LOAD_TOO_LARGE', `${path} is ${size} bytes, over load.maxBytes (${max})`);
    const buf = Buffer.allocUnsafe(Math.min(size, max) + 1);
    let read = 0;
    while (read < buf.length) {
      const { bytesRead } = await fh.read(buf, read, buf.length - read, read);
      if (bytesRead === 0) break;
      read += bytesRead;
    }
    if (read > max) throw new DocflowError('ERR_LOAD_TOO_LARGE', `${path} grew past load.maxBytes (${max}) while being read`);
    return buf.subarray(0, read);
  } finally {
    await fh.close();
  }
}
