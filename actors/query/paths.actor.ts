import type { Actor } from '../../src/actor/types.js';
import { PathsRequest, type PathsReplyMessage } from '../../src/messages/queries.js';
import { parseKnowledgeQuery } from './parse.js';
import type { KnowledgeStore } from '../../src/stores/knowledge/index.js';

/**
 * `docflow.query.paths`: paths between two entities (id or exact name), best first. ERR_QUERY_INVALID
 * for a bad request, ERR_QUERY_LIMIT for maxDepth over 6, limit over 100 or a search past its time,
 * ERR_QUERY_NOT_FOUND when an end names no entity.
 */
export function createPathsActor(store: Pick<KnowledgeStore, 'paths'>): Actor<unknown, PathsReplyMessage> {
  return {
    name: 'paths',
    async handle(msg) {
      const req = parseKnowledgeQuery(PathsRequest, msg);
      const started = performance.now();
      const paths = await store.paths(req);
      return { paths, tookMs: performance.now() - started };
    },
  };
}
