import type { ErrorInfo } from '../errors/index.js';

/** A metadata map as the contract allows it: plain scalar values. */
export type Metadata = Record<string, string | number | boolean>;

/** Where a document stands: its chunks are stored (`indexed`), or its latest attempt `failed`. */
export type DocumentStatus = 'indexed' | 'failed';

/** One chunk of a document as stored (the splitter's chunk plus its id). The id is chosen by the caller and is deterministic. */
export interface ChunkRow {
  id: string;
  /** Position in the document, from 0. */
  index: number;
  text: string;
  /** Character offsets into the extracted text. */
  start?: number | null | undefined;
  end?: number | null | undefined;
  /** Headings above the chunk, outermost first. */
  headingPath?: string[] | undefined;
  page?: number | null | undefined;
  /** Size in the splitter's unit (tokens or characters). */
  size: number;
  /** @defaultValue SHA-256 of `text`, hex */
  contentHash?: string | undefined;
  metadata?: Metadata | undefined;
}

/** A successfully indexed document and its complete, current set of chunks. */
export interface IndexedDocument {
  id: string;
  collection: string;
  source?: string | null | undefined;
  mime?: string | null | undefined;
  format?: string | null | undefined;
  contentHash: string;
  bytes?: number | null | undefined;
  attempts: number;
  /** Milliseconds per stage. */
  timings?: Record<string, number> | null | undefined;
  metadata?: Metadata | undefined;
  embedModel?: string | null | undefined;
  chunks: ChunkRow[];
}

/** What is known about a failed attempt besides its error. */
export interface FailedAttempt {
  /** Hash of the content that failed; leave out when the failure came before it was known. */
  contentHash?: string;
  collection?: string;
  source?: string;
  mime?: string;
}

/** A document row. Timestamps are ISO-8601 strings, as on the wire. */
export interface DocumentRecord {
  id: string;
  collection: string | null;
  source: string | null;
  mime: string | null;
  format: string | null;
  contentHash: string;
  status: DocumentStatus;
  chunks: number;
  bytes: number | null;
  attempts: number;
  error: ErrorInfo | null;
  timings: Record<string, number> | null;
  metadata: Metadata;
  embedModel: string | null;
  createdAt: string;
  updatedAt: string;
}
