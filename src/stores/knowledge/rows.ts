/** Rows of the knowledge tables as the store returns them. */
import type { Row } from '../postgres/database.js';
import type { EntityRef, EntityType, RelationItem } from './types.js';

/** The columns of a relation joined with its subject `s` and object `o` (see RELATION_COLUMNS). */
export const RELATION_COLUMNS = `r.id, r.predicate, r.confidence, r.doc_id, r.source_chunk,
  s.id AS s_id, s.name AS s_name, s.type AS s_type, s.confidence AS s_confidence,
  o.id AS o_id, o.name AS o_name, o.type AS o_type, o.confidence AS o_confidence`;

/** bigint columns arrive as strings; ids stay far below 2^53. */
export function id(value: unknown): number {
  return typeof value === 'number' ? value : Number(value);
}

/** An entity reference from columns `${prefix}id`, `${prefix}name`, … */
export function entityRef(row: Row, prefix = ''): EntityRef {
  return {
    id: id(row[`${prefix}id`]),
    name: row[`${prefix}name`] as string,
    type: row[`${prefix}type`] as EntityType,
    confidence: row[`${prefix}confidence`] as number,
  };
}

/** A relation row selected with RELATION_COLUMNS. */
export function relationItem(row: Row): RelationItem {
  return {
    id: id(row['id']),
    subject: entityRef(row, 's_'),
    predicate: row['predicate'] as string,
    object: entityRef(row, 'o_'),
    confidence: row['confidence'] as number,
    docId: row['doc_id'] as string,
    chunkId: row['source_chunk'] as string,
  };
}
