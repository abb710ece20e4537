import { CACHE_TABLE_SQL } from '../cache/postgres.js';
import { KNOWLEDGE_MIGRATION } from '../knowledge/migration.js';
export type { Migration } from './migration.js';
import type { Migration } from './migration.js';

/**
 * docflow's schema, oldest first. Append new versions at the end (entities and relations come as
 * version 2).
 */
export const MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    name: 'documents and chunks',
    sql: `
CREATE TABLE documents (
  id           text PRIMARY KEY,
  collection   text,
  source       text,
  mime         text,
  format       text,
  -- hash of the content whose outcome this row records ('' when a failure came before it was known)
  content_hash text NOT NULL,
  status       text NOT NULL CHECK (status IN ('indexed', 'failed')),
  chunks       integer NOT NULL DEFAULT 0,
  bytes        bigint,
  attempts     integer NOT NULL DEFAULT 0,
  error        jsonb,
  timings      jsonb,
  metadata     jsonb NOT NULL DEFAULT '{}'::jsonb,
  embed_model  text,
  created_at   timestamptz NOT NULL DEFAULT now(),
  updated_at   timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX documents_content_hash_idx ON documents (content_hash);
CREATE INDEX documents_status_idx ON documents (status);

CREATE TABLE chunks (
  id           text PRIMARY KEY,
  doc_id       text NOT NULL REFERENCES documents (id) ON DELETE CASCADE,
  idx          integer NOT NULL,
  text         text NOT NULL,
  start_offset integer,
  end_offset   integer,
  heading_path text[] NOT NULL DEFAULT '{}',
  page         integer,
  size         integer NOT NULL,
  content_hash text NOT NULL,
  metadata     jsonb NOT NULL DEFAULT '{}'::jsonb
);
-- not unique: while a changed document is replaced, a kept chunk may move to a position that a
-- new chunk also takes in the same statement
CREATE INDEX chunks_doc_idx ON chunks (doc_id, idx);
`,
  },
  KNOWLEDGE_MIGRATION,
  { version: 3, name: 'cache table', sql: CACHE_TABLE_SQL },
];
