/** What the knowledge extractor finds: typed entities and the relations between them. */

/** The kinds of entity docflow extracts. `term` is a noun phrase that recurs in a document. */
export const ENTITY_TYPES = ['person', 'place', 'organization', 'term'] as const;
export type EntityType = (typeof ENTITY_TYPES)[number];

/** A piece of a document to read, as the splitter produced it. */
export interface KnowledgeChunk {
  id: string;
  text: string;
}

/** An entity as relations name it: its display name and type (the store resolves it to an id). */
export interface EntityName {
  name: string;
  type: EntityType;
}

/** One entity of a document, with the chunks that mention it. */
export interface ExtractedEntity extends EntityName {
  /** 0..1: how sure the tagger was, raised by every further mention (see `confidence.ts`). */
  confidence: number;
  /** Each chunk that mentions it, once, in chunk order. */
  mentions: Array<{ chunkId: string }>;
  /** Facts the tagger gave on the way (`firstName`, `lastName`, `honorific`, `kind` of place). */
  attributes?: Record<string, string>;
}

/** A relation between two entities of one sentence: subject, the verb between them, object. */
export interface ExtractedRelation {
  subject: EntityName;
  /** The verb between them, lemmatised, with its negation and preposition (`work at`, `born in`). */
  predicate: string;
  object: EntityName;
  /** 0..1: from how far apart the two are and what lies between them. */
  confidence: number;
  /** The first chunk where the relation was read. */
  chunkId: string;
}

/** Everything extracted from one document. */
export interface ExtractedKnowledge {
  entities: ExtractedEntity[];
  relations: ExtractedRelation[];
}

/** Options of `extractKnowledge`; all optional. */
export interface KnowledgeOptions {
  /** A noun phrase becomes a `term` entity once it occurs this often in the document. @defaultValue 2 */
  minTermCount?: number;
  /** Longest term, in words (longer noun phrases keep their last words). @defaultValue 4 */
  maxTermWords?: number;
  /** Extract `term` entities at all. @defaultValue true */
  terms?: boolean;
  /** Leave out lines that have the shape of source code (`>>> …`, `def …`, `x = …`, `f(a, b)`). @defaultValue true */
  skipCode?: boolean;
  /** Read at most this many characters of each chunk (the tagger's time grows with the text). @defaultValue 100000 */
  maxChunkChars?: number;
}
