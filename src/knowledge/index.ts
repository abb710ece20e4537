/** Knowledge extraction: entities and relations from a document's chunks. */
export { extractKnowledge, DEFAULT_KNOWLEDGE_OPTIONS } from './extract.js';
export { normalizeName, entityKey } from './normalize.js';
export { boosted, namedBase, relationConfidence, termConfidence } from './confidence.js';
export type { KnowledgeTask } from './worker.js';
export {
  ENTITY_TYPES, type EntityName, type EntityType, type ExtractedEntity, type ExtractedKnowledge, type ExtractedRelation,
  type KnowledgeChunk, type KnowledgeOptions,
} from './types.js';
