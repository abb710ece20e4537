/**
 * Pieces of the knowledge queries' SQL. Every value goes into `params` and is referred to by its
 * placeholder; the only words that reach the SQL text are chosen from fixed maps here (sort columns,
 * directions), never taken from a request.
 */
import { DocflowError } from '../../errors/index.js';
import { MAX_OFFSET, MAX_PAGE_SIZE } from './types.js';

/** A sort field and its direction, as checked. */
export interface Sort<F extends string> {
  field: F;
  descending: boolean;
}

/**
 * Read `sort` (`field` or `-field`) against the allowed fields.
 * @throws DocflowError ERR_QUERY_SORT naming the allowed fields.
 */
export function parseSort<F extends string>(sort: string | undefined, allowed: readonly F[], fallback: string): Sort<F> {
  const s = sort ?? fallback;
  const descending = s.startsWith('-');
  const field = descending ? s.slice(1) : s;
  if (!(allowed as readonly string[]).includes(field)) {
    throw new DocflowError('ERR_QUERY_SORT', `cannot sort by ${JSON.stringify(s)}: sort by one of ${allowed.join(', ')} (with - in front for descending)`, { details: { sort: s, allowed } });
  }
  return { field: field as F, descending };
}

/** `ORDER BY` text for a checked sort: the column from `columns`, then `tiebreak` so that pages never overlap. */
export function orderBy<F extends string>(sort: Sort<F>, columns: Readonly<Record<F, string>>, tiebreak: string): string {
  const column = columns[sort.field];
  return `ORDER BY ${column} ${sort.descending ? 'DESC' : 'ASC'}, ${tiebreak} ASC`;
}

/**
 * The page and size in force (defaults 1 and 20).
 * @throws DocflowError ERR_QUERY_LIMIT when size is over MAX_PAGE_SIZE or the page lies beyond MAX_OFFSET,
 *   ERR_QUERY_INVALID when either is not a positive integer.
 */
export function paging(page = 1, size = 20): { page: number; size: number; offset: number } {
  for (const [name, v] of [['page', page], ['size', size]] as const) {
    if (!Number.isSafeInteger(v) || v < 1) throw new DocflowError('ERR_QUERY_INVALID', `${name} must be a positive integer (got ${String(v)})`);
  }
  if (size > MAX_PAGE_SIZE) throw new DocflowError('ERR_QUERY_LIMIT', `size ${size} is over the maximum of ${MAX_PAGE_SIZE}: ask for smaller pages`, { details: { size, max: MAX_PAGE_SIZE } });
  const offset = (page - 1) * size;
  if (offset > MAX_OFFSET) throw new DocflowError('ERR_QUERY_LIMIT', `page ${page} starts past item ${MAX_OFFSET}: narrow the query (name, type, confidenceMin) instead of paging that deep`, { details: { page, size, maxOffset: MAX_OFFSET } });
  return { page, size, offset };
}

/** `text` as a LIKE pattern that matches it literally: `\`, `%` and `_` escaped with `\` (use `ESCAPE '\'`). */
export function escapeLike(text: string): string {
  return text.replace(/[\\%_]/g, (c) => `\\${c}`);
}

/** Collects parameters and hands out their placeholders. */
export class Params {
  readonly values: unknown[] = [];

  /** Add a value; returns its placeholder (`$3`). */
  add(value: unknown): string {
    this.values.push(value);
    return `$${this.values.length}`;
  }
}

/** `WHERE a AND b` or '' when there are no conditions. */
export function where(conditions: readonly string[]): string {
  return conditions.length > 0 ? `WHERE ${conditions.join(' AND ')}` : '';
}
