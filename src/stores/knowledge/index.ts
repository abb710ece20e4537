/** The knowledge graph's store: schema, writes of one document's knowledge, and the queries. */
export { KnowledgeStore, type KnowledgeDb, type KnowledgeStoreOptions } from './repository.js';
export { KNOWLEDGE_MIGRATION } from './migration.js';
export { escapeLike, paging, parseSort, type Sort } from './query-sql.js';
export { pathSettings } from './paths.js';
export * from './types.js';
