import type { Actor } from '../../src/actor/types.js';
import { EntitiesRequest, type EntitiesReplyMessage } from '../../src/messages/queries.js';
import { parseKnowledgeQuery } from './parse.js';
import type { KnowledgeStore } from '../../src/stores/knowledge/index.js';

/**
 * `docflow.query.entities`: a page of entities. Serve it with `QueryInput` as the request kind: the
 * actor checks the request itself (ERR_QUERY_INVALID with details, ERR_QUERY_SORT outside the sort
 * fields, ERR_QUERY_LIMIT for a size over 100) before any SQL runs.
 */
export function createEntitiesActor(store: Pick<KnowledgeStore, 'entities'>): Actor<unknown, EntitiesReplyMessage> {
  return {
    name: 'entities',
    async handle(msg) {
      return store.entities(parseKnowledgeQuery(EntitiesRequest, msg));
    },
  };
}
