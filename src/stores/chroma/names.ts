import { createHash } from 'node:crypto';
import { DocflowError } from '../../errors/index.js';

/** Chroma's portable limit (newer servers allow more; older ones and Chroma Cloud do not). */
export const MAX_COLLECTION_NAME = 63;
/** What Chroma accepts: 3-63 of [a-zA-Z0-9._-], alphanumeric at both ends, no `..`. */
export const CHROMA_NAME = /^(?!.*\.\.)[A-Za-z0-9](?:[A-Za-z0-9._-]{1,61})[A-Za-z0-9]$/;

/**
 * The Chroma collection for one docflow collection, embedding model and dimension, so that vectors
 * of two models (or two sizes of one model) never share an index. The readable part is a lossy slug;
 * the hash of the exact inputs is always appended, so different inputs never meet under one name
 * ("a/b" and "a_b" slug alike). Deterministic and stable: changing it would orphan indexed data.
 *
 * `collectionName('docs', 'text-embedding-3-small', 1536)` → `docs_text-embedding-3-small_1536_<10 hex>`
 */
export function collectionName(base: string, model: string, dimension: number): string {
  if (typeof base !== 'string' || base === '' || typeof model !== 'string' || model === '' || !Number.isInteger(dimension) || dimension < 1) {
    throw new DocflowError('ERR_STORE_QUERY', `a collection name needs a non-empty collection, a non-empty model and a positive integer dimension (got ${JSON.stringify([base, model, dimension])})`);
  }
  const hash = createHash('sha256').update(JSON.stringify([base, model, dimension])).digest('hex').slice(0, 10);
  const tail = `_${dimension}_${hash}`;
  const budget = MAX_COLLECTION_NAME - tail.length - 1; // one `_` between collection and model
  let b = slug(base) || 'c';
  let m = slug(model) || 'm';
  if (b.length + m.length > budget) {
    // Each part keeps at least half the room; a short part leaves the rest to the other.
    const bLen = Math.min(b.length, Math.max(Math.ceil(budget / 2), budget - m.length));
    b = trimEnd(b.slice(0, bLen));
    m = trimEnd(m.slice(0, budget - b.length));
  }
  return `${b}_${m || 'm'}${tail}`;
}

/** Letters and digits kept, every other run of characters one `-`, none at the ends. */
function slug(s: string): string {
  return s.replace(/[^A-Za-z0-9]+/g, '-').replace(/^-+|-+$/g, '');
}

function trimEnd(s: string): string {
  return s.replace(/-+$/, '');
}
