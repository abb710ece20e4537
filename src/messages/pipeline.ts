/**
 * The messages between the pipeline's stages (`stage.<stage>.<priority>`). They are internal — users
 * publish `Ingest` and read `Result` — but they are plain msgpack like every docflow message, so a
 * worker written in another language could take a stage's place.
 */
import { Type as T } from '@sinclair/typebox';
import { defineKind, type MessageOf } from './kind.js';
import { COLLECTION_PATTERN, DOC_ID_PATTERN, METADATA_KEY_PATTERN, Metadata, Priority } from './index.js';

const Iso = T.String({ maxLength: 40 });

/** What every stage message says about its document. */
const DocFields = {
  docId: T.String({ pattern: DOC_ID_PATTERN }),
  /** Where it came from: the `file://` uri, or `inline`. */
  source: T.String({ maxLength: 4096 }),
  name: T.Optional(T.String({ maxLength: 1024 })),
  mime: T.Optional(T.String({ maxLength: 255 })),
  metadata: Metadata,
  collection: T.String({ minLength: 1, maxLength: 63 }),
  priority: Priority,
  /** sha256 of the document's bytes: the document's content identity. */
  contentHash: T.String({ pattern: '^[0-9a-f]{64}$' }),
  bytes: T.Integer({ minimum: 0 }),
  acceptedAt: Iso,
  /** The ingest message's stream sequence: names this run of the document in de-duplication ids. */
  ingestSeq: T.Integer({ minimum: 0 }),
  /** PostgreSQL had a row for this document when load looked (index then removes its old chunks). */
  known: T.Optional(T.Boolean()),
  /** The collection the document was indexed in before, when it moves to another (index removes it from there). */
  previousCollection: T.Optional(T.String({ pattern: COLLECTION_PATTERN })),
  /** Milliseconds spent per stage so far. */
  timings: T.Record(T.String({ maxLength: 32 }), T.Number({ minimum: 0 })),
};

export const SectionSchema = T.Object(
  { start: T.Integer({ minimum: 0 }), end: T.Integer({ minimum: 0 }), headingPath: T.Array(T.String()), page: T.Optional(T.Integer({ minimum: 1 })) },
  { additionalProperties: false },
);

export const ChunkSchema = T.Object(
  {
    index: T.Integer({ minimum: 0 }),
    text: T.String(),
    start: T.Integer({ minimum: 0 }),
    end: T.Integer({ minimum: 0 }),
    headingPath: T.Array(T.String()),
    page: T.Optional(T.Integer({ minimum: 1 })),
    size: T.Integer({ minimum: 0 }),
  },
  { additionalProperties: false },
);
export type ChunkMessage = MessageOf<typeof Chunks>['chunks'][number];

const Format = T.String({ maxLength: 16 });

/** load → extract: the document's bytes (large ones travel by claim check). */
export const Loaded = defineKind('loaded', T.Object({ ...DocFields, data: T.Uint8Array() }, { additionalProperties: false }), { bytesFields: ['data'] });
export type LoadedMessage = MessageOf<typeof Loaded>;

/** extract → split: the text and its structure. */
export const Extracted = defineKind(
  'extracted',
  T.Object({ ...DocFields, format: Format, title: T.Optional(T.String({ maxLength: 4096 })), text: T.String(), sections: T.Array(SectionSchema), pages: T.Optional(T.Integer({ minimum: 0 })) }, { additionalProperties: false }),
);
export type ExtractedMessage = MessageOf<typeof Extracted>;

/** split → embed: the chunks. */
export const Chunks = defineKind(
  'chunks',
  T.Object({ ...DocFields, format: Format, title: T.Optional(T.String({ maxLength: 4096 })), chunks: T.Array(ChunkSchema) }, { additionalProperties: false }),
);
export type ChunksMessage = MessageOf<typeof Chunks>;

/** embed → index: the chunks and their vectors, packed float32 little-endian, `dimension` per chunk. */
export const Embedded = defineKind(
  'embedded',
  T.Object(
    { ...DocFields, format: Format, title: T.Optional(T.String({ maxLength: 4096 })), chunks: T.Array(ChunkSchema), model: T.String({ maxLength: 256 }), dimension: T.Integer({ minimum: 1 }), vectors: T.Uint8Array() },
    { additionalProperties: false },
  ),
  {
    bytesFields: ['vectors'],
    refine: (m) => (m.vectors.byteLength === m.chunks.length * m.dimension * 4 ? [] : [`vectors: ${m.vectors.byteLength} bytes for ${m.chunks.length} chunks of dimension ${m.dimension}`]),
  },
);
export type EmbeddedMessage = MessageOf<typeof Embedded>;

/** A metadata filter value: equality, a range, or a set. */
const WhereValue = T.Union([
  T.String({ maxLength: 4096 }), T.Number(), T.Boolean(),
  T.Object({ min: T.Optional(T.Number()), max: T.Optional(T.Number()) }, { additionalProperties: false }),
  T.Object({ in: T.Array(T.Union([T.String({ maxLength: 4096 }), T.Number(), T.Boolean()]), { minItems: 1, maxItems: 1000 }) }, { additionalProperties: false }),
]);

/** The most neighbours one search may ask for (the contract's `k`, max 100); over it: ERR_QUERY_LIMIT. */
export const MAX_SEARCH_K = 100;

/**
 * `docflow.query.search` request. `k` has no maximum here: the search actor refuses one over
 * MAX_SEARCH_K with ERR_QUERY_LIMIT, the code the knowledge queries give for a page over 100.
 */
export const SearchRequest = defineKind(
  'search-request',
  T.Object(
    {
      text: T.Optional(T.String({ minLength: 1, maxLength: 100_000 })),
      vector: T.Optional(T.Array(T.Number(), { minItems: 1, maxItems: 65_536 })),
      k: T.Optional(T.Integer({ minimum: 1 })),
      where: T.Optional(T.Record(T.String({ pattern: METADATA_KEY_PATTERN }), WhereValue, { maxProperties: 32, additionalProperties: false })),
      collection: T.Optional(T.String({ pattern: COLLECTION_PATTERN })),
    },
    { additionalProperties: false },
  ),
  { refine: (m) => ((m.text === undefined) === (m.vector === undefined) ? ['exactly one of text, vector is required'] : []) },
);
export type SearchRequestMessage = MessageOf<typeof SearchRequest>;

/** `docflow.query.search` reply. */
export const SearchReply = defineKind(
  'search-reply',
  T.Object(
    {
      results: T.Array(T.Object({
        id: T.String(), docId: T.String(), score: T.Number(), distance: T.Number(), text: T.String(),
        metadata: T.Record(T.String(), T.Union([T.String(), T.Number(), T.Boolean()])),
      }, { additionalProperties: false })),
      tookMs: T.Number({ minimum: 0 }),
      collection: T.Optional(T.String()),
      model: T.Optional(T.String()),
    },
    { additionalProperties: false },
  ),
);
export type SearchReplyMessage = MessageOf<typeof SearchReply>;
