/**
 * What the knowledge store reads and returns. Shapes match the `docflow.query.*` replies, so an actor
 * passes them on unchanged.
 */
import type { EntityType } from '../../knowledge/types.js';
import type { ErrorInfo } from '../../errors/index.js';

export type { EntityType } from '../../knowledge/types.js';

/** Largest page of entities or relations, and most ids in one documents lookup. */
export const MAX_PAGE_SIZE = 100;
/** Deepest path search. */
export const MAX_PATH_DEPTH = 6;
/** Most paths returned by one search. */
export const MAX_PATHS = 100;
/** Pages beyond this offset (page × size) are refused: deep OFFSETs scan everything before them. */
export const MAX_OFFSET = 100_000;
/** Relations attached to each entity with `includeRelations`, best first. */
export const RELATIONS_PER_ENTITY = 10;

/** Fields an entity page may be sorted by (`-` in front: descending). */
export const ENTITY_SORT_FIELDS = ['name', 'type', 'confidence', 'mentions', 'documents', 'id'] as const;
export type EntitySortField = (typeof ENTITY_SORT_FIELDS)[number];
/** Fields a relation page may be sorted by (`subject`/`object`: their entity's name). */
export const RELATION_SORT_FIELDS = ['confidence', 'predicate', 'subject', 'object', 'id'] as const;
export type RelationSortField = (typeof RELATION_SORT_FIELDS)[number];

/** An entity as other items refer to it. */
export interface EntityRef {
  id: number;
  name: string;
  type: EntityType;
  confidence: number;
}

/** An entity of a page. */
export interface EntityItem extends EntityRef {
  /** Chunks that mention it, over all documents. */
  mentions: number;
  /** Documents that mention it. */
  documents: number;
  /** With `includeAttributes`. */
  attributes?: Record<string, unknown>;
  /** With `includeRelations`: its best relations either way (at most RELATIONS_PER_ENTITY). */
  relations?: RelationItem[];
}

/** A relation with both its entities filled in. */
export interface RelationItem {
  id: number;
  subject: EntityRef;
  predicate: string;
  object: EntityRef;
  confidence: number;
  /** The document and chunk it was read in. */
  docId: string;
  chunkId: string;
}

/** One page of a query, and how many items match in all. */
export interface Page<T> {
  items: T[];
  page: number;
  size: number;
  total: number;
}

/** Entities whose name contains `name` (case-insensitively, taken literally), of a type, above a confidence. */
export interface EntityQuery {
  name?: string;
  type?: EntityType;
  confidenceMin?: number;
  includeRelations?: boolean;
  includeAttributes?: boolean;
  /** One of ENTITY_SORT_FIELDS, `-` in front for descending. @defaultValue '-confidence' */
  sort?: string;
  /** From 1. @defaultValue 1 */
  page?: number;
  /** 1..MAX_PAGE_SIZE. @defaultValue 20 */
  size?: number;
}

/** Relations by their entities (`entityId`: either side), predicate and confidence. */
export interface RelationQuery {
  subjectId?: number;
  objectId?: number;
  entityId?: number;
  /** Exact predicate, e.g. `work at`. */
  predicate?: string;
  confidenceMin?: number;
  /** One of RELATION_SORT_FIELDS, `-` in front for descending. @defaultValue '-confidence' */
  sort?: string;
  page?: number;
  size?: number;
}

/** Paths between two entities, each given by id (a number) or exact name (a string, any case). */
export interface PathQuery {
  from: number | string;
  to: number | string;
  /** Most relations on a path, 1..MAX_PATH_DEPTH. @defaultValue 3 */
  maxDepth?: number;
  /** Most paths, 1..MAX_PATHS. @defaultValue 10 */
  limit?: number;
  /** Follow relations only from subject to object. @defaultValue false (both ways) */
  directed?: boolean;
}

/** A path: its entities from `from` to `to`, the relations between them, and their product confidence. */
export interface PathItem {
  entities: EntityRef[];
  relations: RelationItem[];
  predicates: string[];
  confidence: number;
}

/** A document's record, with how much knowledge it holds. Timestamps are ISO-8601. */
export interface DocumentItem {
  id: string;
  collection: string | null;
  source: string | null;
  mime: string | null;
  format: string | null;
  contentHash: string;
  status: string;
  chunks: number;
  bytes: number | null;
  attempts: number;
  error: ErrorInfo | null;
  metadata: Record<string, string | number | boolean>;
  embedModel: string | null;
  createdAt: string;
  updatedAt: string;
  /** Distinct entities it mentions. */
  entities: number;
  /** Relations read in it. */
  relations: number;
}

/** What `replaceDocument` wrote. */
export interface ReplaceResult {
  entities: number;
  mentions: number;
  relations: number;
  /** Entities deleted because no document mentions them any more. */
  removedEntities: number;
}
