import type { ExtractedKnowledge } from '../../knowledge/types.js';
import type { Queryable, Row } from '../postgres/database.js';
import { findPaths } from './paths.js';
import { escapeLike, orderBy, paging, Params, parseSort, where } from './query-sql.js';
import { replaceInTransaction } from './replace.js';
import { entityRef, id, relationItem, RELATION_COLUMNS } from './rows.js';
import {
  ENTITY_SORT_FIELDS, RELATION_SORT_FIELDS, RELATIONS_PER_ENTITY,
  type DocumentItem, type EntityItem, type EntityQuery, type EntitySortField, type Page, type PathItem, type PathQuery,
  type RelationItem, type RelationQuery, type RelationSortField, type ReplaceResult,
} from './types.js';

/** What the store needs of PostgreSQL: statements and transactions (a `Database`). */
export interface KnowledgeDb extends Queryable {
  transaction<T>(fn: (tx: Queryable) => Promise<T>): Promise<T>;
}

/** Options of a `KnowledgeStore`. */
export interface KnowledgeStoreOptions {
  /**
   * Most partial paths one path search may walk; past it the request fails with ERR_QUERY_LIMIT
   * (a guard against dense graphs at depth 5–6). @defaultValue 100000
   */
  maxPathWalk?: number;
}

const ENTITY_COLUMNS: Readonly<Record<EntitySortField, string>> = {
  name: 'e.norm_name', type: 'e.type', confidence: 'e.confidence', mentions: 'e.mentions', documents: 'e.documents', id: 'e.id',
};
const RELATION_COLUMNS_BY_SORT: Readonly<Record<RelationSortField, string>> = {
  confidence: 'r.confidence', predicate: 'r.predicate', subject: 's.norm_name', object: 'o.norm_name', id: 'r.id',
};

const RELATIONS_OF = `
SELECT pe.id AS owner, x.* FROM unnest($1::bigint[]) AS pe(id)
CROSS JOIN LATERAL (
  SELECT ${RELATION_COLUMNS}
  FROM relations r JOIN entities s ON s.id = r.subject_id JOIN entities o ON o.id = r.object_id
  WHERE r.subject_id = pe.id OR r.object_id = pe.id
  ORDER BY r.confidence DESC, r.id
  LIMIT $2::integer
) x`;

const DOCUMENTS = `
SELECT d.id, d.collection, d.source, d.mime, d.format, d.content_hash, d.status, d.chunks, d.bytes, d.attempts, d.error,
  d.metadata, d.embed_model, d.created_at, d.updated_at,
  (SELECT count(DISTINCT m.entity_id)::integer FROM entity_mentions m WHERE m.doc_id = d.id) AS entities,
  (SELECT count(*)::integer FROM relations r WHERE r.doc_id = d.id) AS relations
FROM documents d WHERE d.id = ANY($1::text[])`;

/**
 * The knowledge graph in PostgreSQL (schema: KNOWLEDGE_MIGRATION): entities shared by all documents,
 * the mentions and relations of each document. Reads are single statements with every value a
 * parameter; a page is at most MAX_PAGE_SIZE items and comes with the total that matches.
 */
export class KnowledgeStore {
  readonly #db: KnowledgeDb;
  readonly #maxPathWalk: number;

  constructor(db: KnowledgeDb, opts: KnowledgeStoreOptions = {}) {
    const maxWalk = opts.maxPathWalk ?? 100_000;
    if (!Number.isSafeInteger(maxWalk) || maxWalk < 1) throw new TypeError('options.maxPathWalk must be a positive integer');
    this.#db = db;
    this.#maxPathWalk = maxWalk;
  }

  /**
   * Make `extracted` the whole knowledge of document `docId`, in one transaction: its old mentions and
   * relations go, entities are merged by (normalised name, type) with other documents' (confidence:
   * the best of its current mentions; attributes: merged key by key, the latest document's values
   * winning; name: the first spelling stored), and entities no document mentions any more are deleted.
   */
  replaceDocument(docId: string, extracted: ExtractedKnowledge): Promise<ReplaceResult> {
    return this.#db.transaction((tx) => replaceInTransaction(tx, docId, extracted));
  }

  /** Forget what document `docId` said (e.g. when the document is deleted). */
  removeDocument(docId: string): Promise<ReplaceResult> {
    return this.replaceDocument(docId, { entities: [], relations: [] });
  }

  /** A page of entities. @throws DocflowError ERR_QUERY_SORT, ERR_QUERY_LIMIT */
  async entities(q: EntityQuery = {}): Promise<Page<EntityItem>> {
    const { page, size, offset } = paging(q.page, q.size);
    const sort = parseSort<EntitySortField>(q.sort, ENTITY_SORT_FIELDS, '-confidence');
    const p = new Params();
    const conditions: string[] = [];
    if (q.name !== undefined) conditions.push(`e.name ILIKE ${p.add(`%${escapeLike(q.name)}%`)} ESCAPE '\\'`);
    if (q.type !== undefined) conditions.push(`e.type = ${p.add(q.type)}`);
    if (q.confidenceMin !== undefined) conditions.push(`e.confidence >= ${p.add(q.confidenceMin)}`);
    const filter = where(conditions);
    const attrs = q.includeAttributes ? ', e.attributes' : '';
    const sql = `SELECT e.id, e.name, e.type, e.confidence, e.mentions, e.documents${attrs}, count(*) OVER () AS total
FROM entities e ${filter} ${orderBy(sort, ENTITY_COLUMNS, 'e.id')} LIMIT ${p.add(size)} OFFSET ${p.add(offset)}`;
    const { rows } = await this.#db.query(sql, p.values);
    const items: EntityItem[] = rows.map((r) => ({
      ...entityRef(r), mentions: r['mentions'] as number, documents: r['documents'] as number,
      ...(q.includeAttributes ? { attributes: r['attributes'] as Record<string, unknown> } : {}),
    }));
    if (q.includeRelations && items.length > 0) {
      const byOwner = await this.#relationsOf(items.map((e) => e.id));
      for (const e of items) e.relations = byOwner.get(e.id) ?? [];
    }
    const total = await this.#total(rows, offset, `SELECT count(*)::integer AS total FROM entities e ${filter}`, p.values.slice(0, -2));
    return { items, page, size, total };
  }

  /** A page of relations with both entities filled in. @throws DocflowError ERR_QUERY_SORT, ERR_QUERY_LIMIT */
  async relations(q: RelationQuery = {}): Promise<Page<RelationItem>> {
    const { page, size, offset } = paging(q.page, q.size);
    const sort = parseSort<RelationSortField>(q.sort, RELATION_SORT_FIELDS, '-confidence');
    const p = new Params();
    const conditions: string[] = [];
    if (q.subjectId !== undefined) conditions.push(`r.subject_id = ${p.add(q.subjectId)}`);
    if (q.objectId !== undefined) conditions.push(`r.object_id = ${p.add(q.objectId)}`);
    if (q.entityId !== undefined) {
      const e = p.add(q.entityId);
      conditions.push(`(r.subject_id = ${e} OR r.object_id = ${e})`);
    }
    if (q.predicate !== undefined) conditions.push(`r.predicate = ${p.add(q.predicate)}`);
    if (q.confidenceMin !== undefined) conditions.push(`r.confidence >= ${p.add(q.confidenceMin)}`);
    const filter = where(conditions);
    const from = 'FROM relations r JOIN entities s ON s.id = r.subject_id JOIN entities o ON o.id = r.object_id';
    const sql = `SELECT ${RELATION_COLUMNS}, count(*) OVER () AS total ${from} ${filter}
${orderBy(sort, RELATION_COLUMNS_BY_SORT, 'r.id')} LIMIT ${p.add(size)} OFFSET ${p.add(offset)}`;
    const { rows } = await this.#db.query(sql, p.values);
    const total = await this.#total(rows, offset, `SELECT count(*)::integer AS total FROM relations r ${filter}`, p.values.slice(0, -2));
    return { items: rows.map(relationItem), page, size, total };
  }

  /** Paths from `q.from` to `q.to`, best first. @throws DocflowError ERR_QUERY_NOT_FOUND, ERR_QUERY_LIMIT */
  paths(q: PathQuery): Promise<PathItem[]> {
    return findPaths(this.#db, q, this.#maxPathWalk);
  }

  /**
   * The documents among `ids` with their knowledge counts, in one query: in the order asked, each id
   * once, unknown ids left out.
   */
  async documents(ids: readonly string[]): Promise<DocumentItem[]> {
    const unique = [...new Set(ids)];
    if (unique.length === 0) return [];
    const { rows } = await this.#db.query(DOCUMENTS, [unique]);
    const byId = new Map(rows.map((r) => [r['id'] as string, documentItem(r)]));
    return unique.flatMap((x) => byId.get(x) ?? []);
  }

  /** Each entity's best relations, either way, in one query. */
  async #relationsOf(ids: number[]): Promise<Map<number, RelationItem[]>> {
    const { rows } = await this.#db.query(RELATIONS_OF, [ids, RELATIONS_PER_ENTITY]);
    const out = new Map<number, RelationItem[]>();
    for (const r of rows) {
      const owner = id(r['owner']);
      const list = out.get(owner) ?? [];
      list.push(relationItem(r));
      out.set(owner, list);
    }
    return out;
  }

  /** The total from the window count of the page; a page past the end has no rows, so count apart. */
  async #total(rows: Row[], offset: number, countSql: string, params: unknown[]): Promise<number> {
    if (rows.length > 0) return Number(rows[0]!['total']);
    if (offset === 0) return 0;
    const { rows: counted } = await this.#db.query<{ total: number }>(countSql, params);
    return counted[0]?.total ?? 0;
  }
}

function documentItem(r: Row): DocumentItem {
  return {
    id: r['id'] as string,
    collection: r['collection'] as string | null,
    source: r['source'] as string | null,
    mime: r['mime'] as string | null,
    format: r['format'] as string | null,
    contentHash: r['content_hash'] as string,
    status: r['status'] as string,
    chunks: r['chunks'] as number,
    bytes: r['bytes'] === null ? null : Number(r['bytes']),
    attempts: r['attempts'] as number,
    error: (r['error'] as DocumentItem['error']) ?? null,
    metadata: (r['metadata'] as DocumentItem['metadata']) ?? {},
    embedModel: r['embed_model'] as string | null,
    createdAt: (r['created_at'] as Date).toISOString(),
    updatedAt: (r['updated_at'] as Date).toISOString(),
    entities: r['entities'] as number,
    relations: r['relations'] as number,
  };
}
