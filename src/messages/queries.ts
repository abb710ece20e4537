/**
 * The knowledge queries of the contract (`docflow.query.entities`, `.relations`, `.paths`,
 * `.documents`) and the knowledge stage's input. Unknown fields are rejected everywhere.
 *
 * Limits (size ≤ 100, maxDepth ≤ 6, ids ≤ 100) and the sort fields are deliberately not in the
 * schemas: the query actors check them so that a caller gets ERR_QUERY_LIMIT or ERR_QUERY_SORT rather
 * than a generic schema error. Serve the actors with `QueryInput` as the request kind (any map), so
 * that every check, the schema's included, is theirs and fails with an ERR_QUERY_* code; clients
 * send with the strict kinds below.
 */
import { Type as T } from '@sinclair/typebox';
import { validateMessage } from '../codec/validate.js';
import { CodecError, DocflowError } from '../errors/index.js';
import { defineKind, type MessageKind, type MessageOf } from './kind.js';
import { DOC_ID_PATTERN, ErrorBody } from './index.js';

const EntityType = T.Union([T.Literal('person'), T.Literal('place'), T.Literal('organization'), T.Literal('term')]);
const Id = T.Integer({ minimum: 1, maximum: Number.MAX_SAFE_INTEGER, description: 'an entity or relation id' });
const Confidence = T.Number({ minimum: 0, maximum: 1 });
const PageNumber = T.Integer({ minimum: 1, description: 'from 1; default 1' });
const PageSize = T.Integer({ minimum: 1, description: 'default 20, at most 100 (ERR_QUERY_LIMIT above)' });
const SortField = T.String({ minLength: 1, maxLength: 64, description: 'a field of the allow-list, `-` in front for descending (ERR_QUERY_SORT otherwise)' });
const Name = T.String({ minLength: 1, maxLength: 256 });
const EntityEnd = T.Union([Id, Name], { description: 'an entity id, or an exact name (any case)' });

/** Any map: the request kind to serve the query actors with (they validate it themselves). */
export const QueryInput = defineKind('query-input', T.Record(T.String(), T.Unknown()));

const EntityRef = T.Object({ id: Id, name: T.String(), type: EntityType, confidence: Confidence }, { additionalProperties: false });
const RelationItem = T.Object(
  { id: Id, subject: EntityRef, predicate: T.String(), object: EntityRef, confidence: Confidence, docId: T.String(), chunkId: T.String() },
  { additionalProperties: false },
);
const EntityItem = T.Object(
  {
    id: Id, name: T.String(), type: EntityType, confidence: Confidence,
    mentions: T.Integer({ minimum: 0 }), documents: T.Integer({ minimum: 0 }),
    attributes: T.Optional(T.Record(T.String(), T.Unknown())),
    relations: T.Optional(T.Array(RelationItem)),
  },
  { additionalProperties: false },
);
const Paging = { page: T.Integer({ minimum: 1 }), size: T.Integer({ minimum: 1 }), total: T.Integer({ minimum: 0 }) };

/** `docflow.query.entities` request. Sort fields: name, type, confidence, mentions, documents, id (default `-confidence`). */
export const EntitiesRequest = defineKind(
  'entities-request',
  T.Object(
    {
      name: T.Optional(T.String({ minLength: 1, maxLength: 256, description: 'a case-insensitive substring of the name, taken literally' })),
      type: T.Optional(EntityType),
      confidenceMin: T.Optional(Confidence),
      includeRelations: T.Optional(T.Boolean()),
      includeAttributes: T.Optional(T.Boolean()),
      sort: T.Optional(SortField),
      page: T.Optional(PageNumber),
      size: T.Optional(PageSize),
    },
    { additionalProperties: false },
  ),
);
export type EntitiesRequestMessage = MessageOf<typeof EntitiesRequest>;

/** `docflow.query.entities` reply. */
export const EntitiesReply = defineKind('entities-reply', T.Object({ items: T.Array(EntityItem), ...Paging }, { additionalProperties: false }));
export type EntitiesReplyMessage = MessageOf<typeof EntitiesReply>;

/** `docflow.query.relations` request (`entityId`: either side). Sort fields: confidence, predicate, subject, object, id. */
export const RelationsRequest = defineKind(
  'relations-request',
  T.Object(
    {
      subjectId: T.Optional(Id),
      objectId: T.Optional(Id),
      entityId: T.Optional(Id),
      predicate: T.Optional(T.String({ minLength: 1, maxLength: 128 })),
      confidenceMin: T.Optional(Confidence),
      sort: T.Optional(SortField),
      page: T.Optional(PageNumber),
      size: T.Optional(PageSize),
    },
    { additionalProperties: false },
  ),
);
export type RelationsRequestMessage = MessageOf<typeof RelationsRequest>;

/** `docflow.query.relations` reply. */
export const RelationsReply = defineKind('relations-reply', T.Object({ items: T.Array(RelationItem), ...Paging }, { additionalProperties: false }));
export type RelationsReplyMessage = MessageOf<typeof RelationsReply>;

/** `docflow.query.paths` request. `directed`: follow relations only from subject to object (default: both ways). */
export const PathsRequest = defineKind(
  'paths-request',
  T.Object(
    {
      from: EntityEnd,
      to: EntityEnd,
      maxDepth: T.Optional(T.Integer({ minimum: 1, description: 'default 3, at most 6 (ERR_QUERY_LIMIT above)' })),
      limit: T.Optional(T.Integer({ minimum: 1, description: 'default 10, at most 100' })),
      directed: T.Optional(T.Boolean()),
    },
    { additionalProperties: false },
  ),
);
export type PathsRequestMessage = MessageOf<typeof PathsRequest>;

/** `docflow.query.paths` reply: best first; `confidence` is the product of the relations' confidences. */
export const PathsReply = defineKind(
  'paths-reply',
  T.Object(
    {
      paths: T.Array(T.Object(
        { entities: T.Array(EntityRef), relations: T.Array(RelationItem), predicates: T.Array(T.String()), confidence: Confidence },
        { additionalProperties: false },
      )),
      tookMs: T.Optional(T.Number({ minimum: 0 })),
    },
    { additionalProperties: false },
  ),
);
export type PathsReplyMessage = MessageOf<typeof PathsReply>;

/** `docflow.query.documents` request: at most 100 ids (ERR_QUERY_LIMIT above). */
export const DocumentsRequest = defineKind(
  'documents-request',
  T.Object({ ids: T.Array(T.String({ pattern: DOC_ID_PATTERN })) }, { additionalProperties: false }),
);
export type DocumentsRequestMessage = MessageOf<typeof DocumentsRequest>;

const Nullable = <S extends Parameters<typeof T.Union>[0][number]>(s: S) => T.Union([s, T.Null()]);
const DocumentItem = T.Object(
  {
    id: T.String(), collection: Nullable(T.String()), source: Nullable(T.String()), mime: Nullable(T.String()), format: Nullable(T.String()),
    contentHash: T.String(), status: T.String(), chunks: T.Integer({ minimum: 0 }), bytes: Nullable(T.Integer({ minimum: 0 })),
    attempts: T.Integer({ minimum: 0 }), error: Nullable(ErrorBody),
    metadata: T.Record(T.String(), T.Union([T.String(), T.Number(), T.Boolean()])),
    embedModel: Nullable(T.String()), createdAt: T.String(), updatedAt: T.String(),
    entities: T.Integer({ minimum: 0 }), relations: T.Integer({ minimum: 0 }),
  },
  { additionalProperties: false },
);

/**
 * `docflow.query.documents` reply: the documents found, in the order asked, each once; `missing`
 * lists the ids asked for that are unknown (they are left out of `documents`, not null).
 */
export const DocumentsReply = defineKind(
  'documents-reply',
  T.Object({ documents: T.Array(DocumentItem), missing: T.Array(T.String()) }, { additionalProperties: false }),
);
export type DocumentsReplyMessage = MessageOf<typeof DocumentsReply>;

/** The knowledge stage's input: a document's chunks (ids as stored, e.g. `${docId}:${index}`). */
export const KnowledgeInput = defineKind(
  'knowledge-input',
  T.Object(
    { docId: T.String({ pattern: DOC_ID_PATTERN }), chunks: T.Array(T.Object({ id: T.String({ minLength: 1, maxLength: 256 }), text: T.String() }, { additionalProperties: false })) },
    { additionalProperties: false },
  ),
);
export type KnowledgeInputMessage = MessageOf<typeof KnowledgeInput>;

/**
 * `value` checked against a query kind.
 * @throws DocflowError ERR_QUERY_INVALID with `details: { path, message }[]` naming every bad field.
 */
export function parseQuery<K extends MessageKind>(kind: K, value: unknown): MessageOf<K> {
  try {
    validateMessage(kind, value);
  } catch (err) {
    if (err instanceof CodecError) {
      const problems = (err.details as Array<{ path: string; message: string }> | undefined) ?? [];
      const shown = problems.slice(0, 3).map((p) => `${p.path}: ${p.message}`).join('; ');
      throw new DocflowError('ERR_QUERY_INVALID', `invalid ${kind.name.replace(/-request$/, '')} query: ${shown || err.message}${problems.length > 3 ? ' (and more: see details)' : ''}`, { details: problems, cause: err });
    }
    throw err;
  }
  return value as MessageOf<K>;
}
