/**
 * Writing one document's knowledge: its mentions and relations are replaced as a whole, entities are
 * shared with other documents (merged by normalised name and type) and dropped when nothing mentions
 * them any more.
 *
 * Concurrency: every transaction that changes an entity's mentions holds that entity's row lock until
 * it commits (the upsert takes it for new mentions, `FOR UPDATE` for old ones), so its statistics
 * are recomputed, and an orphan deleted, only after every other writer of that entity has finished;
 * each statement of a READ COMMITTED transaction sees what they committed. Locks are taken in
 * (norm_name, type) order; a deadlock that remains possible between the two sets is reported as a
 * retryable ERR_STORE_QUERY (SQLSTATE 40P01) and the stage retries.
 */
import { DocflowError } from '../../errors/index.js';
import { entityKey, normalizeName } from '../../knowledge/normalize.js';
import { ENTITY_TYPES, type ExtractedKnowledge } from '../../knowledge/types.js';
import type { Queryable } from '../postgres/database.js';
import { id } from './rows.js';
import type { ReplaceResult } from './types.js';

interface EntityRow {
  name: string;
  norm_name: string;
  type: string;
  confidence: number;
  attributes: Record<string, unknown>;
  chunks: string[];
}

interface RelationRow {
  subject: string;
  predicate: string;
  object: string;
  confidence: number;
  chunk: string;
}

const UPSERT_ENTITIES = `
INSERT INTO entities AS e (name, norm_name, type, confidence, attributes)
SELECT r.name, r.norm_name, r.type, r.confidence, coalesce(r.attributes, '{}'::jsonb)
FROM jsonb_to_recordset($1::jsonb) AS r(name text, norm_name text, type text, confidence double precision, attributes jsonb)
ORDER BY r.norm_name, r.type
ON CONFLICT (norm_name, type) DO UPDATE SET attributes = e.attributes || EXCLUDED.attributes, updated_at = now()
RETURNING id, norm_name, type`;

const INSERT_MENTIONS = `
INSERT INTO entity_mentions (entity_id, doc_id, chunk_id, confidence)
SELECT r.entity_id, $1, r.chunk_id, r.confidence
FROM jsonb_to_recordset($2::jsonb) AS r(entity_id bigint, chunk_id text, confidence double precision)
ON CONFLICT DO NOTHING`;

const INSERT_RELATIONS = `
INSERT INTO relations (subject_id, predicate, object_id, confidence, doc_id, source_chunk)
SELECT r.subject_id, r.predicate, r.object_id, r.confidence, $1, r.chunk
FROM jsonb_to_recordset($2::jsonb) AS r(subject_id bigint, predicate text, object_id bigint, confidence double precision, chunk text)`;

const LOCK_ENTITIES = 'SELECT id FROM entities WHERE id = ANY($1::bigint[]) ORDER BY norm_name, type FOR UPDATE';

const REFRESH_STATS = `
UPDATE entities e SET confidence = m.confidence, mentions = m.mentions, documents = m.documents, updated_at = now()
FROM (
  SELECT entity_id, max(confidence) AS confidence, count(*)::integer AS mentions, count(DISTINCT doc_id)::integer AS documents
  FROM entity_mentions WHERE entity_id = ANY($1::bigint[]) GROUP BY entity_id
) m
WHERE e.id = m.entity_id`;

const DELETE_ORPHANS = `
DELETE FROM entities e
WHERE e.id = ANY($1::bigint[]) AND NOT EXISTS (SELECT 1 FROM entity_mentions m WHERE m.entity_id = e.id)
RETURNING e.id`;

/**
 * Replace everything document `docId` said with `extracted`, inside `tx` (a transaction). Passing
 * no entities removes the document's knowledge.
 * @throws DocflowError ERR_STORE_QUERY when `extracted` is inconsistent (a relation to an entity it
 *   does not list, a confidence outside 0..1, an unknown type).
 */
export async function replaceInTransaction(tx: Queryable, docId: string, extracted: ExtractedKnowledge): Promise<ReplaceResult> {
  const { entities, relations } = prepare(docId, extracted);
  const removed = await tx.query<{ entity_id: string }>('DELETE FROM entity_mentions WHERE doc_id = $1 RETURNING entity_id', [docId]);
  const oldIds = [...new Set(removed.rows.map((r) => id(r.entity_id)))];
  if (oldIds.length > 0) await tx.query(LOCK_ENTITIES, [oldIds]);
  await tx.query('DELETE FROM relations WHERE doc_id = $1', [docId]);

  const idOf = new Map<string, number>();
  if (entities.length > 0) {
    const upserted = await tx.query<{ id: string; norm_name: string; type: string }>(UPSERT_ENTITIES, [JSON.stringify(entities.map(({ chunks: _, ...e }) => e))]);
    for (const r of upserted.rows) idOf.set(entityKey(r.type, r.norm_name), id(r.id));
  }
  const mentions = entities.flatMap((e) => e.chunks.map((chunk) => ({ entity_id: idOf.get(entityKey(e.type, e.norm_name)), chunk_id: chunk, confidence: e.confidence })));
  if (mentions.length > 0) await tx.query(INSERT_MENTIONS, [docId, JSON.stringify(mentions)]);
  const rels = relations.map((r) => ({ subject_id: idOf.get(r.subject), predicate: r.predicate, object_id: idOf.get(r.object), confidence: r.confidence, chunk: r.chunk }));
  if (rels.length > 0) await tx.query(INSERT_RELATIONS, [docId, JSON.stringify(rels)]);

  const newIds = new Set(idOf.values());
  const touched = [...new Set([...oldIds, ...newIds])];
  if (touched.length > 0) await tx.query(REFRESH_STATS, [touched]);
  const candidates = oldIds.filter((x) => !newIds.has(x));
  const orphans = candidates.length > 0 ? (await tx.query(DELETE_ORPHANS, [candidates])).rowCount : 0;
  return { entities: entities.length, mentions: mentions.length, relations: rels.length, removedEntities: orphans };
}

/** Check the extraction and merge what it repeats: one row per entity, one per relation. */
function prepare(docId: string, extracted: ExtractedKnowledge): { entities: EntityRow[]; relations: RelationRow[] } {
  const problems: string[] = [];
  if (typeof docId !== 'string' || docId === '') problems.push('docId must be a non-empty string');
  const byKey = new Map<string, EntityRow>();
  for (const e of extracted.entities) {
    const norm = normalizeName(e.name ?? '');
    if (!(ENTITY_TYPES as readonly string[]).includes(e.type)) problems.push(`entity ${JSON.stringify(e.name)}: unknown type ${JSON.stringify(e.type)}`);
    else if (norm === '') problems.push(`entity ${JSON.stringify(e.name)}: the name has no letters or digits`);
    else if (!isConfidence(e.confidence)) problems.push(`entity ${JSON.stringify(e.name)}: confidence must be a number from 0 to 1`);
    else {
      const key = entityKey(e.type, norm);
      const row = byKey.get(key) ?? { name: e.name, norm_name: norm, type: e.type, confidence: 0, attributes: {}, chunks: [] };
      row.confidence = Math.max(row.confidence, e.confidence);
      row.attributes = { ...e.attributes, ...row.attributes };
      row.chunks = [...new Set([...row.chunks, ...(e.mentions ?? []).map((m) => m.chunkId)])];
      byKey.set(key, row);
    }
  }
  const relations = new Map<string, RelationRow>();
  for (const r of extracted.relations) {
    const subject = entityKey(r.subject.type, normalizeName(r.subject.name));
    const object = entityKey(r.object.type, normalizeName(r.object.name));
    const what = `relation ${JSON.stringify(r.subject.name)} ${JSON.stringify(r.predicate)} ${JSON.stringify(r.object.name)}`;
    if (!byKey.has(subject) || !byKey.has(object)) problems.push(`${what}: its subject and object must be among the entities`);
    else if (subject === object) problems.push(`${what}: an entity cannot relate to itself`);
    else if (typeof r.predicate !== 'string' || r.predicate.trim() === '') problems.push(`${what}: the predicate is empty`);
    else if (!isConfidence(r.confidence)) problems.push(`${what}: confidence must be a number from 0 to 1`);
    else {
      const fact = `${subject}\u0001${r.predicate}\u0001${object}`;
      const seen = relations.get(fact);
      if (!seen) relations.set(fact, { subject, predicate: r.predicate, object, confidence: r.confidence, chunk: r.chunkId });
      else seen.confidence = Math.max(seen.confidence, r.confidence);
    }
  }
  if (problems.length > 0) {
    throw new DocflowError('ERR_STORE_QUERY', `cannot store the knowledge of document ${JSON.stringify(docId)}: ${problems.slice(0, 3).join('; ')}`, { details: problems.slice(0, 20) });
  }
  return { entities: [...byKey.values()], relations: [...relations.values()] };
}

function isConfidence(x: unknown): x is number {
  return typeof x === 'number' && x >= 0 && x <= 1;
}
