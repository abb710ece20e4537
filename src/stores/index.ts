export * from './postgres/index.js';
export { DocumentStore, type ChunkRow, type DocumentRecord, type DocumentStatus, type FailedAttempt, type IndexedDocument, type Metadata } from './documents.js';
export * from './chroma.js';
