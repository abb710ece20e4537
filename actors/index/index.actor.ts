import type { Actor } from '../../src/actor/types.js';
import { toDocflowError, type ErrorInfo } from '../../src/errors/index.js';
import type { EmbeddedMessage } from '../../src/messages/pipeline.js';
import { unpackVectors } from '../embed/embed.actor.js';

type MetaValue = string | number | boolean;

/** The vector store, as the index stage uses it (Chroma). */
export interface VectorIndex {
  collectionName(base: string, model: string, dimension: number): string;
  upsert(collection: string, records: Array<{ id: string; embedding: Float32Array; document: string; metadata: Record<string, MetaValue> }>): Promise<unknown>;
  deleteWhereDoc(collection: string, docId: string, keepIds: string[]): Promise<unknown>;
}

/** The record of documents and chunks, as the index stage uses it (PostgreSQL). */
export interface DocumentRecorder {
  recordIndexed(doc: {
    id: string; collection: string; source: string; mime?: string | undefined; format: string; contentHash: string; bytes: number; attempts: number;
    timings: Record<string, number>; metadata: Record<string, MetaValue>; embedModel: string;
    chunks: Array<{ id: string; index: number; text: string; start: number; end: number; headingPath: string[]; page?: number | undefined; size: number }>;
  }): Promise<unknown>;
  /** Record that indexing the document failed (it is no longer `indexed`, whatever its content). */
  recordFailed(id: string, error: ErrorInfo, attempts: number): Promise<unknown>;
}

export interface IndexActorOptions {
  index: VectorIndex;
  documents: DocumentRecorder;
  /** Told after a document of `collection` (or one that left it) is recorded, before `indexed` is reported (cached answers are dropped by then). */
  onIndexed?(collection: string): Promise<unknown> | void;
}

/** Chunk ids are deterministic: a redelivery writes the same rows, and a changed document overwrites its own. */
export function chunkId(docId: string, index: number): string {
  return `${docId}:${index}`;
}

/**
 * The index stage: replaces the document's chunks in the vector collection of their embedder model
 * and dimension (and removes them from the collection it left, if it moved), then records the
 * document and its chunks in PostgreSQL (the record of truth: once it says `indexed`, the vectors are
 * stored). Reports the terminal `indexed` result.
 */
export function createIndexActor(opts: IndexActorOptions): Actor<EmbeddedMessage, never[]> {
  return {
    name: 'index',
    async handle(msg, ctx) {
      const started = performance.now();
      const collection = opts.index.collectionName(msg.collection, msg.model, msg.dimension);
      const vectors = unpackVectors(msg);
      const ids = msg.chunks.map((c) => chunkId(msg.docId, c.index));
      const records = msg.chunks.map((c, i) => {
        const metadata: Record<string, MetaValue> = {
          ...msg.metadata,
          docId: msg.docId, source: msg.source, chunk: c.index, start: c.start, end: c.end, format: msg.format,
          ...(c.headingPath.length ? { heading: c.headingPath.join(' > ') } : {}),
          ...(c.page !== undefined ? { page: c.page } : {}),
          ...(msg.title ? { title: msg.title } : {}),
          ...(msg.name ? { name: msg.name } : {}),
        };
        return { id: ids[i]!, embedding: vectors[i]!, document: c.text, metadata };
      });
      // A document seen before has chunks in Chroma; so may a redelivery (a crash after the upsert,
      // before PostgreSQL recorded it). They go first: the new version may have fewer, and an upsert
      // over an existing chunk merges its metadata, so a key the document no longer has would stay
      // on it (and match a search's `where`). A first delivery of a new document has none: the scan
      // of Chroma is skipped then. Load looked the document up already (`known`); a message without
      // that field (another producer) is scanned.
      const seenBefore = (ctx.attempt ?? 1) > 1 || msg.known !== false;
      let deleted = false;
      try {
        if (seenBefore) {
          await opts.index.deleteWhereDoc(collection, msg.docId, []);
          deleted = true;
        }
        if (records.length > 0) await opts.index.upsert(collection, records);
        // moved from another collection: it leaves that one (same embedder, so the same model and dimension)
        if (msg.previousCollection !== undefined && msg.previousCollection !== msg.collection) {
          await opts.index.deleteWhereDoc(opts.index.collectionName(msg.previousCollection, msg.model, msg.dimension), msg.docId, []);
        }
        const timings = { ...msg.timings, index: performance.now() - started };
        await opts.documents.recordIndexed({
          id: msg.docId, collection: msg.collection, source: msg.source, mime: msg.mime, format: msg.format, contentHash: msg.contentHash, bytes: msg.bytes,
          attempts: ctx.attempt ?? 1, timings, metadata: msg.metadata, embedModel: msg.model,
          chunks: msg.chunks.map((c, i) => ({ id: ids[i]!, index: c.index, text: c.text, start: c.start, end: c.end, headingPath: c.headingPath, page: c.page, size: c.size })),
        });
      } catch (err) {
        // Its old vectors are gone: PostgreSQL must not go on saying `indexed`, or a re-ingest of the
        // old version would end `unchanged` and leave it unsearchable. A retry that succeeds records
        // it indexed again. (Best effort: a PostgreSQL that is down holds the message for a retry anyway.)
        if (deleted) await opts.documents.recordFailed(msg.docId, toDocflowError(err).toInfo(), ctx.attempt ?? 1).catch(() => undefined);
        throw err;
      }
      await opts.onIndexed?.(msg.collection);
      if (msg.previousCollection !== undefined && msg.previousCollection !== msg.collection) await opts.onIndexed?.(msg.previousCollection);
      ctx.emit({ type: 'result', status: 'indexed', chunks: msg.chunks.length, msgId: `res:${msg.docId}:terminal:${msg.ingestSeq}` });
      return [];
    },
  };
}
