import type { Migration } from '../postgres/migration.js';

/**
 * Schema version 2: the knowledge graph extracted from documents.
 *
 * - `entities` are shared by all documents: one row per (normalised name, type), its confidence the
 *   best of its current mentions, `mentions` / `documents` kept up to date by the store so that
 *   sorting by them needs no aggregate.
 * - `entity_mentions` and `relations` belong to one document (`doc_id`): re-ingesting a document
 *   deletes and rewrites exactly its rows, and an entity that no document mentions any more is
 *   dropped. `doc_id` has no foreign key to `documents` on purpose: the knowledge stage may finish
 *   before the index stage records the document; `KnowledgeStore.removeDocument` cleans up.
 * - Foreign keys to `entities` do not cascade: an entity is only deleted once nothing refers to it,
 *   and a bug that broke that rule should fail loudly rather than silently drop mentions.
 * - Confidences are `double precision`, so the numbers the extractor computed come back unchanged
 *   and a path's confidence (a product computed in SQL) equals the same product in JavaScript.
 * - `name` substring search: a GIN trigram index when the server has `pg_trgm` (the embedded
 *   PostgreSQL does; `pg_trgm` is a trusted extension, so a database owner may create it), else a
 *   btree on `lower(name)` (which serves prefix matches only, substring matches scan).
 */
export const KNOWLEDGE_MIGRATION: Migration = Object.freeze({
  version: 2,
  name: 'entities and relations',
  sql: `
CREATE TABLE entities (
  id          bigserial PRIMARY KEY,
  name        text NOT NULL,
  norm_name   text NOT NULL,
  type        text NOT NULL CHECK (type IN ('person', 'place', 'organization', 'term')),
  confidence  double precision NOT NULL CHECK (confidence >= 0 AND confidence <= 1),
  attributes  jsonb NOT NULL DEFAULT '{}'::jsonb,
  mentions    integer NOT NULL DEFAULT 0,
  documents   integer NOT NULL DEFAULT 0,
  created_at  timestamptz NOT NULL DEFAULT now(),
  updated_at  timestamptz NOT NULL DEFAULT now(),
  UNIQUE (norm_name, type)
);
CREATE INDEX entities_confidence_idx ON entities (confidence DESC, id);
CREATE INDEX entities_mentions_idx ON entities (mentions DESC, id);
CREATE INDEX entities_type_idx ON entities (type, confidence DESC);

CREATE TABLE entity_mentions (
  entity_id   bigint NOT NULL REFERENCES entities (id),
  doc_id      text NOT NULL,
  chunk_id    text NOT NULL,
  confidence  double precision NOT NULL CHECK (confidence >= 0 AND confidence <= 1),
  PRIMARY KEY (doc_id, entity_id, chunk_id)
);
CREATE INDEX entity_mentions_entity_idx ON entity_mentions (entity_id);

CREATE TABLE relations (
  id           bigserial PRIMARY KEY,
  subject_id   bigint NOT NULL REFERENCES entities (id),
  predicate    text NOT NULL,
  object_id    bigint NOT NULL REFERENCES entities (id),
  confidence   double precision NOT NULL CHECK (confidence >= 0 AND confidence <= 1),
  doc_id       text NOT NULL,
  source_chunk text NOT NULL,
  CHECK (subject_id <> object_id)
);
-- paths walk both ways: out of a node by subject, into it by object
CREATE INDEX relations_subject_idx ON relations (subject_id, object_id);
CREATE INDEX relations_object_idx ON relations (object_id, subject_id);
CREATE INDEX relations_doc_idx ON relations (doc_id);
CREATE INDEX relations_predicate_idx ON relations (predicate, confidence DESC);
CREATE INDEX relations_confidence_idx ON relations (confidence DESC, id);

DO $$
BEGIN
  BEGIN
    CREATE EXTENSION IF NOT EXISTS pg_trgm;
    CREATE INDEX entities_name_trgm_idx ON entities USING gin (name gin_trgm_ops);
  EXCEPTION WHEN undefined_file OR insufficient_privilege OR feature_not_supported THEN
    -- no pg_trgm on this server (or no right to create it): substring search scans, prefix uses this
    CREATE INDEX entities_name_lower_idx ON entities (lower(name) text_pattern_ops);
  END;
END
$$;
`,
});
