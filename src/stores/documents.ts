import { createHash } from 'node:crypto';
import { DocflowError, type ErrorInfo } from '../errors/index.js';
import type { Database, Row } from './postgres/database.js';
import type { ChunkRow, DocumentRecord, DocumentStatus, FailedAttempt, IndexedDocument } from './document-types.js';

export type { ChunkRow, DocumentRecord, DocumentStatus, FailedAttempt, IndexedDocument, Metadata } from './document-types.js';

const COLUMNS = 'id, collection, source, mime, format, content_hash, status, chunks, bytes, attempts, error, timings, metadata, embed_model, created_at, updated_at';

const UPSERT_DOCUMENT = `
INSERT INTO documents (id, collection, source, mime, format, content_hash, status, chunks, bytes, attempts, error, timings, metadata, embed_model)
VALUES ($1, $2, $3, $4, $5, $6, 'indexed', $7, $8, $9, NULL, $10::jsonb, $11::jsonb, $12)
ON CONFLICT (id) DO UPDATE SET
  collection = EXCLUDED.collection, source = EXCLUDED.source, mime = EXCLUDED.mime, format = EXCLUDED.format,
  content_hash = EXCLUDED.content_hash, status = 'indexed', chunks = EXCLUDED.chunks, bytes = EXCLUDED.bytes,
  attempts = EXCLUDED.attempts, error = NULL, timings = EXCLUDED.timings, metadata = EXCLUDED.metadata,
  embed_model = EXCLUDED.embed_model, updated_at = now()`;

const DELETE_STALE_CHUNKS = 'DELETE FROM chunks WHERE doc_id = $1 AND id <> ALL($2::text[]) RETURNING id';

// Rows travel as one jsonb array: one round trip whatever the chunk count, and heading paths of any
// length (a text[][] parameter would have to be rectangular).
const UPSERT_CHUNKS = `
INSERT INTO chunks (id, doc_id, idx, text, start_offset, end_offset, heading_path, page, size, content_hash, metadata)
SELECT r.id, $1::text, r.idx, r.text, r.start_offset, r.end_offset, coalesce(r.heading_path, '{}'), r.page, r.size, r.content_hash, coalesce(r.metadata, '{}'::jsonb)
FROM jsonb_to_recordset($2::jsonb) AS r(id text, idx integer, text text, start_offset integer, end_offset integer,
  heading_path text[], page integer, size integer, content_hash text, metadata jsonb)
ON CONFLICT (id) DO UPDATE SET
  idx = EXCLUDED.idx, text = EXCLUDED.text, start_offset = EXCLUDED.start_offset, end_offset = EXCLUDED.end_offset,
  heading_path = EXCLUDED.heading_path, page = EXCLUDED.page, size = EXCLUDED.size,
  content_hash = EXCLUDED.content_hash, metadata = EXCLUDED.metadata
WHERE chunks.doc_id = EXCLUDED.doc_id
RETURNING id`;

// A failure never overwrites an `indexed` row of the same content: that content's chunks and vectors
// are complete, so the failure belongs to a redundant attempt (a redelivery after success, a crash
// after the commit). Any other failure is the latest word on the document and is recorded, but its
// chunks stay (search keeps serving the last good content) and so does their count. An unknown hash
// (NULL) never equals a stored one, so a failure before the content was read is recorded too.
const RECORD_FAILED = `
INSERT INTO documents AS d (id, collection, source, mime, content_hash, status, chunks, attempts, error)
VALUES ($1, $2, $3, $4, coalesce($5::text, ''), 'failed', 0, $6, $7::jsonb)
ON CONFLICT (id) DO UPDATE SET
  status = 'failed', attempts = EXCLUDED.attempts, error = EXCLUDED.error, updated_at = now(),
  content_hash = coalesce($5::text, d.content_hash),
  collection = coalesce(EXCLUDED.collection, d.collection), source = coalesce(EXCLUDED.source, d.source),
  mime = coalesce(EXCLUDED.mime, d.mime)
WHERE NOT (d.status = 'indexed' AND d.content_hash IS NOT DISTINCT FROM $5::text)
RETURNING status`;

interface DocumentRow extends Row {
  id: string;
  collection: string | null;
  source: string | null;
  mime: string | null;
  format: string | null;
  content_hash: string;
  status: DocumentStatus;
  chunks: number;
  bytes: string | null;
  attempts: number;
  error: ErrorInfo | null;
  timings: Record<string, number> | null;
  metadata: Record<string, string | number | boolean>;
  embed_model: string | null;
  created_at: Date;
  updated_at: Date;
}

/**
 * Documents and their chunks in PostgreSQL: what was indexed, from where, with which content hash,
 * and what failed. Every write of one document is one transaction.
 */
export class DocumentStore {
  readonly #db: Database;

  constructor(db: Database) {
    this.#db = db;
  }

  /** The document, or undefined. */
  async get(id: string): Promise<DocumentRecord | undefined> {
    const { rows } = await this.#db.query<DocumentRow>(`SELECT ${COLUMNS} FROM documents WHERE id = $1`, [id]);
    return rows[0] ? toRecord(rows[0]) : undefined;
  }

  /** The documents that exist among `ids`, in the order asked (each once), in one query. */
  async getMany(ids: readonly string[]): Promise<DocumentRecord[]> {
    const unique = [...new Set(ids)];
    if (unique.length === 0) return [];
    const { rows } = await this.#db.query<DocumentRow>(`SELECT ${COLUMNS} FROM documents WHERE id = ANY($1::text[])`, [unique]);
    const byId = new Map(rows.map((r) => [r.id, toRecord(r)]));
    return unique.flatMap((id) => byId.get(id) ?? []);
  }

  /**
   * Record a document as indexed with exactly `doc.chunks`: upsert its row and chunks and delete its
   * chunks whose ids are not in the new set, all in one transaction (a changed document leaves no stale
   * chunk). Returns the ids of the chunks deleted, for removing their vectors too.
   */
  async recordIndexed(doc: IndexedDocument): Promise<string[]> {
    checkIndexed(doc);
    const ids = doc.chunks.map((c) => c.id);
    return this.#db.transaction(async (tx) => {
      await tx.query(UPSERT_DOCUMENT, [
        doc.id, doc.collection, doc.source ?? null, doc.mime ?? null, doc.format ?? null, doc.contentHash, doc.chunks.length,
        doc.bytes ?? null, doc.attempts, json(doc.timings ?? null), json(doc.metadata ?? {}), doc.embedModel ?? null,
      ]);
      const deleted = await tx.query<{ id: string }>(DELETE_STALE_CHUNKS, [doc.id, ids]);
      if (doc.chunks.length > 0) {
        const written = await tx.query<{ id: string }>(UPSERT_CHUNKS, [doc.id, json(doc.chunks.map(chunkJson))]);
        if (written.rowCount !== doc.chunks.length) {
          const mine = new Set(written.rows.map((r) => r.id));
          const taken = ids.filter((id) => !mine.has(id)).slice(0, 5);
          throw new DocflowError('ERR_STORE_QUERY', `chunk ids ${taken.map((t) => JSON.stringify(t)).join(', ')} already belong to another document: chunk ids must include the document id`, { details: { docId: doc.id, taken } });
        }
      }
      return deleted.rows.map((r) => r.id);
    });
  }

  /**
   * Record a failed attempt. Returns the status the document has afterwards: `indexed` when the same
   * content (`attempt.contentHash`) is already indexed, which a failure never downgrades; `failed`
   * otherwise. A failed document keeps the chunks of its last indexed content. Calls for one document
   * are expected in the order of its attempts.
   */
  async recordFailed(id: string, error: ErrorInfo, attempts: number, attempt: FailedAttempt = {}): Promise<DocumentStatus> {
    const info: ErrorInfo = { code: error.code, message: error.message, retryable: error.retryable };
    if (error.details !== undefined) info.details = error.details;
    const { rows } = await this.#db.query<{ status: DocumentStatus }>(RECORD_FAILED, [
      id, attempt.collection ?? null, attempt.source ?? null, attempt.mime ?? null, attempt.contentHash ?? null, attempts, json(info),
    ]);
    return rows[0]?.status ?? 'indexed';
  }

  /** The ids of a document's chunks, in document order. */
  async chunkIds(docId: string): Promise<string[]> {
    const { rows } = await this.#db.query<{ id: string }>('SELECT id FROM chunks WHERE doc_id = $1 ORDER BY idx, id', [docId]);
    return rows.map((r) => r.id);
  }

  /** A document's chunks, in document order. */
  async chunks(docId: string): Promise<ChunkRow[]> {
    const { rows } = await this.#db.query(
      'SELECT id, idx, text, start_offset, end_offset, heading_path, page, size, content_hash, metadata FROM chunks WHERE doc_id = $1 ORDER BY idx, id',
      [docId],
    );
    return rows.map((r) => ({
      id: r['id'] as string,
      index: r['idx'] as number,
      text: r['text'] as string,
      start: r['start_offset'] as number | null,
      end: r['end_offset'] as number | null,
      headingPath: r['heading_path'] as string[],
      page: r['page'] as number | null,
      size: r['size'] as number,
      contentHash: r['content_hash'] as string,
      metadata: r['metadata'] as Record<string, string | number | boolean>,
    }));
  }

  /** How many documents there are (with that status, if given). */
  async count(status?: DocumentStatus): Promise<number> {
    const { rows } = await this.#db.query<{ n: number }>('SELECT count(*)::integer AS n FROM documents WHERE $1::text IS NULL OR status = $1::text', [status ?? null]);
    return rows[0]?.n ?? 0;
  }
}

function toRecord(r: DocumentRow): DocumentRecord {
  return {
    id: r.id,
    collection: r.collection,
    source: r.source,
    mime: r.mime,
    format: r.format,
    contentHash: r.content_hash,
    status: r.status,
    chunks: r.chunks,
    // bigint comes back as a string; documents stay far below 2^53 bytes
    bytes: r.bytes === null ? null : Number(r.bytes),
    attempts: r.attempts,
    error: r.error,
    timings: r.timings,
    metadata: r.metadata,
    embedModel: r.embed_model,
    createdAt: r.created_at.toISOString(),
    updatedAt: r.updated_at.toISOString(),
  };
}

function chunkJson(c: ChunkRow): Record<string, unknown> {
  return {
    id: c.id, idx: c.index, text: c.text, start_offset: c.start ?? null, end_offset: c.end ?? null, heading_path: c.headingPath ?? [],
    page: c.page ?? null, size: c.size, content_hash: c.contentHash ?? createHash('sha256').update(c.text).digest('hex'), metadata: c.metadata ?? {},
  };
}

/** Values for jsonb parameters: pg would send a JS array as a PostgreSQL array literal instead. */
function json(value: unknown): string | null {
  return value === null ? null : JSON.stringify(value);
}

function checkIndexed(doc: IndexedDocument): void {
  const problems: string[] = [];
  if (typeof doc.id !== 'string' || doc.id === '') problems.push('id must be a non-empty string');
  if (typeof doc.contentHash !== 'string' || doc.contentHash === '') problems.push('contentHash must be a non-empty string');
  const seen = new Set<string>();
  for (const c of doc.chunks) {
    if (typeof c.id !== 'string' || c.id === '') problems.push(`chunk ${c.index}: id must be a non-empty string`);
    else if (seen.has(c.id)) problems.push(`chunk id ${JSON.stringify(c.id)} appears twice`);
    seen.add(c.id);
    if (!Number.isInteger(c.index) || c.index < 0) problems.push(`chunk ${JSON.stringify(c.id)}: index must be an integer >= 0`);
    if (!Number.isInteger(c.size) || c.size < 0) problems.push(`chunk ${JSON.stringify(c.id)}: size must be an integer >= 0`);
  }
  if (problems.length > 0) {
    throw new DocflowError('ERR_STORE_QUERY', `cannot record document ${JSON.stringify(doc.id)} as indexed: ${problems.slice(0, 5).join('; ')}`, { details: problems });
  }
}
