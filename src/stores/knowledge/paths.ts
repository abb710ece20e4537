/**
 * Paths between two entities: one recursive query.
 *
 * 0. `src` and `dst` resolve the ends: an id, or an exact name (normalised, so any case) that may
 *    name entities of several types.
 *
 * 1. `dist` walks back from the targets (along relations either way, or only backwards from object
 *    to subject when `directed`) and records, for each entity, how many steps it is from a target.
 *    UNION keeps each (entity, steps) once, so its size is bounded by entities × depth, not paths.
 * 2. `walk` grows paths from the start; a path only takes a step to an entity from which a target can
 *    still be reached within the depth left (that is what keeps it from exploring the whole graph),
 *    never revisits an entity on the path (`NOT next = ANY(path)`: no cycles), and stops at a target.
 * 3. Paths that read the same (several documents stating one fact) are kept once, at their best
 *    confidence: the product of the relations' confidences along the path. Best first, then shortest.
 *
 * The walk is read lazily and cut at `maxWalk` partial paths (ERR_QUERY_LIMIT): a dense graph
 * cannot make one request hold a connection and memory for long. Two statements (the search, then
 * the relations found with their entities), no transaction.
 */
import { DocflowError } from '../../errors/index.js';
import { normalizeName } from '../../knowledge/normalize.js';
import type { Queryable } from '../postgres/database.js';
import { id, relationItem, RELATION_COLUMNS } from './rows.js';
import { MAX_PATH_DEPTH, MAX_PATHS, type EntityRef, type PathItem, type PathQuery, type RelationItem } from './types.js';

/**
 * The whole search in one statement. `src`/`dst_all` resolve the ends (an id, or a normalised name
 * that may name entities of several types); the last SELECT returns one row per path, best first,
 * or a single row without a path, every row carrying how many entities each end resolved to and how
 * many partial paths were walked (to tell "no such entity" and "search cut short" from "no path").
 */
const SEARCH = `
WITH RECURSIVE
src AS MATERIALIZED (SELECT id FROM entities WHERE id = $1::bigint OR norm_name = $2::text),
dst_all AS MATERIALIZED (SELECT id FROM entities WHERE id = $3::bigint OR norm_name = $4::text),
-- an entity that is both start and target would end every path where it starts
dst AS MATERIALIZED (SELECT coalesce(array_agg(id), '{}'::bigint[]) AS ids FROM dst_all WHERE id NOT IN (SELECT id FROM src)),
dist(node, d) AS (
  SELECT unnest(dst.ids), 0 FROM dst
  UNION
  SELECT CASE WHEN r.object_id = dist.node THEN r.subject_id ELSE r.object_id END, dist.d + 1
  FROM dist JOIN relations r ON r.object_id = dist.node OR (NOT $6::boolean AND r.subject_id = dist.node)
  WHERE dist.d + 1 < $5::integer
),
reach AS MATERIALIZED (SELECT node, min(d) AS d FROM dist GROUP BY node),
walk(node, path, rels, preds, conf, depth) AS (
  SELECT src.id, ARRAY[src.id], ARRAY[]::bigint[], ARRAY[]::text[], 1.0::double precision, 0 FROM src
  UNION ALL
  SELECT x.next, w.path || x.next, w.rels || r.id, w.preds || r.predicate, w.conf * r.confidence, w.depth + 1
  FROM walk w
  CROSS JOIN dst
  JOIN relations r ON r.subject_id = w.node OR (NOT $6::boolean AND r.object_id = w.node)
  CROSS JOIN LATERAL (SELECT CASE WHEN r.subject_id = w.node THEN r.object_id ELSE r.subject_id END AS next) x
  JOIN reach ON reach.node = x.next AND reach.d <= $5::integer - w.depth - 1
  WHERE w.depth < $5::integer AND NOT (w.node = ANY(dst.ids)) AND NOT (x.next = ANY(w.path))
),
-- the walk is evaluated lazily: reading at most $8 rows stops it there
capped AS MATERIALIZED (SELECT * FROM walk LIMIT $8::integer),
best AS (
  SELECT path, rels, conf, depth FROM (
    SELECT DISTINCT ON (c.path, c.preds) c.path, c.rels, c.conf, c.depth FROM capped c, dst
    WHERE c.node = ANY(dst.ids) AND c.depth > 0
    ORDER BY c.path, c.preds, c.conf DESC, c.rels
  ) b
  ORDER BY conf DESC, depth, path
  LIMIT $7::integer
),
summary AS (SELECT (SELECT count(*) FROM src) AS from_n, (SELECT count(*) FROM dst_all) AS to_n, (SELECT count(*) FROM capped) AS walked)
SELECT best.path, best.rels, summary.from_n, summary.to_n, summary.walked
FROM summary LEFT JOIN best ON true
ORDER BY best.conf DESC, best.depth, best.path`;

const RELATIONS = `SELECT ${RELATION_COLUMNS} FROM relations r JOIN entities s ON s.id = r.subject_id JOIN entities o ON o.id = r.object_id WHERE r.id = ANY($1::bigint[])`;

/** The query with its defaults, checked. @throws DocflowError ERR_QUERY_LIMIT, ERR_QUERY_INVALID */
export function pathSettings(q: PathQuery): { maxDepth: number; limit: number; directed: boolean } {
  const maxDepth = q.maxDepth ?? 3;
  const limit = q.limit ?? 10;
  for (const [name, v] of [['maxDepth', maxDepth], ['limit', limit]] as const) {
    if (!Number.isSafeInteger(v) || v < 1) throw new DocflowError('ERR_QUERY_INVALID', `${name} must be a positive integer (got ${String(v)})`);
  }
  if (maxDepth > MAX_PATH_DEPTH) throw new DocflowError('ERR_QUERY_LIMIT', `maxDepth ${maxDepth} is over the maximum of ${MAX_PATH_DEPTH}`, { details: { maxDepth, max: MAX_PATH_DEPTH } });
  if (limit > MAX_PATHS) throw new DocflowError('ERR_QUERY_LIMIT', `limit ${limit} is over the maximum of ${MAX_PATHS}`, { details: { limit, max: MAX_PATHS } });
  for (const [name, v] of [['from', q.from], ['to', q.to]] as const) {
    if (typeof v === 'number' ? !Number.isSafeInteger(v) || v < 1 : typeof v !== 'string' || normalizeName(v) === '') {
      throw new DocflowError('ERR_QUERY_INVALID', `${name} must be an entity id (a positive integer) or a name (got ${JSON.stringify(v)})`);
    }
  }
  return { maxDepth, limit, directed: q.directed ?? false };
}

/**
 * Run the search: two statements (the search, then the relations on the paths with their entities).
 * @throws DocflowError ERR_QUERY_NOT_FOUND when an end names no entity, ERR_QUERY_LIMIT when more
 *   than `maxWalk` partial paths had to be walked.
 */
export async function findPaths(db: Queryable, q: PathQuery, maxWalk: number): Promise<PathItem[]> {
  const { maxDepth, limit, directed } = pathSettings(q);
  const { rows } = await db.query<{ path: string[] | null; rels: string[] | null; from_n: string; to_n: string; walked: string }>(
    SEARCH, [...endpoint(q.from), ...endpoint(q.to), maxDepth, directed, limit, maxWalk],
  );
  const summary = rows[0]!;
  if (Number(summary.from_n) === 0) throw notFound('from', q.from);
  if (Number(summary.to_n) === 0) throw notFound('to', q.to);
  if (Number(summary.walked) >= maxWalk) {
    throw new DocflowError('ERR_QUERY_LIMIT', `the path search walked more than ${maxWalk} partial paths: lower maxDepth, or pick less connected entities`, { details: { maxDepth, maxWalk } });
  }
  const found = rows.filter((r): r is typeof r & { path: string[]; rels: string[] } => r.path !== null && r.rels !== null);
  if (found.length === 0) return [];
  const relationIds = [...new Set(found.flatMap((r) => r.rels.map(id)))];
  const relations = new Map<number, RelationItem>((await db.query(RELATIONS, [relationIds])).rows.map((r) => [id(r['id']), relationItem(r)]));
  const entities = new Map<number, EntityRef>();
  for (const r of relations.values()) entities.set(r.subject.id, r.subject).set(r.object.id, r.object);
  return found.map((r) => {
    const rels = r.rels.map((x) => relations.get(id(x))!);
    return {
      entities: r.path.map((x) => entities.get(id(x))!),
      relations: rels,
      predicates: rels.map((x) => x.predicate),
      confidence: rels.reduce((p, x) => p * x.confidence, 1),
    };
  });
}

/** An endpoint as two parameters of SEARCH: an id, or a normalised name. */
function endpoint(v: number | string): [number | null, string | null] {
  return typeof v === 'number' ? [v, null] : [null, normalizeName(v)];
}

function notFound(side: 'from' | 'to', v: number | string): DocflowError {
  return new DocflowError('ERR_QUERY_NOT_FOUND', `no entity ${typeof v === 'number' ? `with id ${v}` : `named ${JSON.stringify(v)}`} (${side}): look it up with docflow.query.entities`, { details: { [side]: v } });
}
