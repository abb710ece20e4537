import type { Actor } from '../../src/actor/types.js';
import { RelationsRequest, type RelationsReplyMessage } from '../../src/messages/queries.js';
import { parseKnowledgeQuery } from './parse.js';
import type { KnowledgeStore } from '../../src/stores/knowledge/index.js';

/**
 * `docflow.query.relations`: a page of relations with their subject and object entities. Checks as
 * the entities actor: ERR_QUERY_INVALID, ERR_QUERY_SORT, ERR_QUERY_LIMIT before any SQL.
 */
export function createRelationsActor(store: Pick<KnowledgeStore, 'relations'>): Actor<unknown, RelationsReplyMessage> {
  return {
    name: 'relations',
    async handle(msg) {
      return store.relations(parseKnowledgeQuery(RelationsRequest, msg));
    },
  };
}
