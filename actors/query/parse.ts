import { DocflowError } from '../../src/errors/index.js';
import { parseQuery } from '../../src/messages/queries.js';
import type { MessageKind, MessageOf } from '../../src/messages/index.js';

/**
 * `parseQuery`, and no NUL character in any string of the request: PostgreSQL text cannot hold one,
 * so a NUL would reach the database only to fail there, reported as the store's fault.
 * @throws DocflowError ERR_QUERY_INVALID (details: each path and what is wrong there)
 */
export function parseKnowledgeQuery<K extends MessageKind>(kind: K, value: unknown): MessageOf<K> {
  const req = parseQuery(kind, value);
  const problems = nulPaths(req, '').map((path) => ({ path, message: 'holds a NUL character' }));
  if (problems.length > 0) {
    throw new DocflowError('ERR_QUERY_INVALID', `invalid ${kind.name.replace(/-request$/, '')} query: ${problems.map((p) => `${p.path} ${p.message}`).join('; ')}`, { details: problems });
  }
  return req;
}

/** JSON-pointer paths of the strings below `value` that contain U+0000. */
function nulPaths(value: unknown, path: string): string[] {
  if (typeof value === 'string') return value.includes('\u0000') ? [path || '/'] : [];
  if (Array.isArray(value)) return value.flatMap((v, i) => nulPaths(v, `${path}/${i}`));
  if (typeof value === 'object' && value !== null) return Object.entries(value).flatMap(([k, v]) => nulPaths(v, `${path}/${k}`));
  return [];
}
