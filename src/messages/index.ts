/**
 * The public messages of docflow (../shared/CONTRACT.md), as schemas shared by the server, the CLI and
 * users' programs. Field names are the contract's; add optional fields freely, never rename.
 */
import { Type as T, type Static } from '@sinclair/typebox';
import { defineKind, type MessageOf } from './kind.js';

export { defineKind, type MessageKind, type MessageOf } from './kind.js';

/** A collection's name, as ingest and search take it (and a Chroma collection name is made of). */
export const COLLECTION_PATTERN = '^[A-Za-z0-9_-]{1,63}$';
export const COLLECTION_NAME = new RegExp(COLLECTION_PATTERN);
const CollectionName = T.String({ pattern: COLLECTION_PATTERN });

/** A document id: one subject token. */
export const DOC_ID_PATTERN = '^[A-Za-z0-9_-]{1,128}$';
const Iso = T.String({ maxLength: 40, description: 'ISO-8601 timestamp' });
const MetaValue = T.Union([T.String({ maxLength: 4096 }), T.Number(), T.Boolean()]);
/** A metadata key: what search's `where` can filter on (never an operator of Chroma's, such as `$or` or `#document`). */
export const METADATA_KEY_PATTERN = '^[A-Za-z0-9_.-]{1,128}$';
export const METADATA_KEY = new RegExp(METADATA_KEY_PATTERN);
// additionalProperties: false, or a key outside the pattern would pass unchecked, value and all (patternProperties)
export const Metadata = T.Record(T.String({ pattern: METADATA_KEY_PATTERN }), MetaValue, { additionalProperties: false });
export const Priority = T.Union([T.Literal('critical'), T.Literal('high'), T.Literal('normal'), T.Literal('low')]);
/** A stage: the contract's `load`, `extract`, `split`, `embed`, `index`, and any stage added later. */
export const StageName = T.String({ pattern: '^[a-z][a-z0-9-]{0,31}$' });
/** The contract's pipeline stages, in order. */
export const PIPELINE_STAGES = ['load', 'extract', 'split', 'embed', 'index'] as const;
/**
 * Stages beside the contract's line: `knowledge`, fed by split next to embed. A document's terminal
 * result comes from the line (`indexed` from index); a branch reports its own `stage` result, or a
 * `failed` one naming it.
 */
export const BRANCH_STAGES = ['knowledge'] as const;
export const ErrorBody = T.Object(
  { code: T.String({ maxLength: 64 }), message: T.String({ maxLength: 8192 }), retryable: T.Optional(T.Boolean()), details: T.Optional(T.Unknown()) },
  { additionalProperties: false },
);

/** `docflow.ingest`: one document, inline (`text`, `data`) or by reference (`uri`). */
export const Ingest = defineKind(
  'ingest',
  T.Object(
    {
      id: T.Optional(T.String({ minLength: 1, maxLength: 1024 })),
      text: T.Optional(T.String()),
      data: T.Optional(T.Uint8Array()),
      uri: T.Optional(T.String({ minLength: 1, maxLength: 4096 })),
      mime: T.Optional(T.String({ maxLength: 255 })),
      metadata: T.Optional(Metadata),
      priority: T.Optional(Priority),
      collection: T.Optional(CollectionName),
    },
    { additionalProperties: false },
  ),
  {
    bytesFields: ['data'],
    refine: (m) => {
      const given = ['text', 'data', 'uri'].filter((k) => (m as Record<string, unknown>)[k] !== undefined);
      return given.length === 1 ? [] : [`exactly one of text, data, uri is required (got ${given.length ? given.join(', ') : 'none'})`];
    },
  },
);
export type IngestMessage = MessageOf<typeof Ingest>;

/** `docflow.results.<docId>`: progress and the one terminal event of a document. */
export const Result = defineKind(
  'result',
  T.Object(
    {
      docId: T.String({ minLength: 1, maxLength: 128 }),
      status: T.Union([T.Literal('accepted'), T.Literal('stage'), T.Literal('indexed'), T.Literal('unchanged'), T.Literal('failed')]),
      stage: T.Optional(StageName),
      /** On split's `stage` result: the branches it fed the document to (`knowledge`), each of which reports on it too. */
      branches: T.Optional(T.Array(StageName, { maxItems: 8 })),
      chunks: T.Optional(T.Integer({ minimum: 0 })),
      /** On `failed`; on a branch's `stage` result when the branch gave up on the document (it stays indexed). */
      error: T.Optional(ErrorBody),
      attempt: T.Optional(T.Integer({ minimum: 0 })),
      elapsedMs: T.Optional(T.Number({ minimum: 0 })),
      at: Iso,
    },
    { additionalProperties: true },
  ),
);
export type ResultMessage = MessageOf<typeof Result>;

/** `docflow.dlq.<stage>`: a message that could not be processed, kept for inspection and replay. */
export const DeadLetter = defineKind(
  'dead-letter',
  T.Object(
    {
      stage: T.String({ maxLength: 64 }),
      subject: T.String({ maxLength: 512 }),
      docId: T.Optional(T.String({ maxLength: 128 })),
      error: ErrorBody,
      attempt: T.Integer({ minimum: 0 }),
      original: T.Uint8Array(),
      originalHeaders: T.Optional(T.Record(T.String(), T.String())),
      at: Iso,
    },
    { additionalProperties: false },
  ),
  { bytesFields: ['original'] },
);
export type DeadLetterMessage = MessageOf<typeof DeadLetter>;

/** A reply that failed: `{ error: { code, message } }` on every request/reply subject. */
export const ErrorReply = defineKind('error-reply', T.Object({ error: ErrorBody }, { additionalProperties: false }));
export type ErrorReplyMessage = MessageOf<typeof ErrorReply>;

/** `docflow.status` request (all fields optional). */
export const StatusRequest = defineKind('status-request', T.Object({ verbose: T.Optional(T.Boolean()) }, { additionalProperties: false }));

/** One docflow process of a deployment (`docflow up` or `docflow worker`). */
const NodeIdentity = T.Object({ id: T.String({ maxLength: 64 }), host: T.String({ maxLength: 255 }), pid: T.Integer({ minimum: 0 }) }, { additionalProperties: false });
export type NodeIdentityMessage = Static<typeof NodeIdentity>;

const StageStatus = T.Object(
  {
    name: T.String(),
    /** The process that runs it (`host:pid`), in a deployment's status. */
    node: T.Optional(T.String()),
    state: T.String(),
    restarts: T.Integer({ minimum: 0 }),
    inFlight: T.Integer({ minimum: 0 }),
    pending: T.Integer({ minimum: 0 }),
    processed: T.Integer({ minimum: 0 }),
    failed: T.Integer({ minimum: 0 }),
    retried: T.Optional(T.Integer({ minimum: 0 })),
    rate: T.Number({ minimum: 0 }),
  },
  { additionalProperties: true },
);

/** `docflow.status` reply. */
export const StatusReply = defineKind(
  'status-reply',
  T.Object(
    {
      version: T.String(),
      uptimeMs: T.Number({ minimum: 0 }),
      stages: T.Array(StageStatus),
      memory: T.Object({ level: T.String(), rssBytes: T.Number(), heapUsedBytes: T.Number() }, { additionalProperties: true }),
      cache: T.Optional(T.Record(T.String(), T.Object({ hits: T.Number(), misses: T.Number() }))),
      nats: T.Optional(T.Object({ server: T.String(), jetstream: T.Boolean() }, { additionalProperties: true })),
      streams: T.Optional(T.Array(T.Object({ name: T.String(), messages: T.Number(), bytes: T.Number() }))),
      /** The process that answered. */
      node: T.Optional(NodeIdentity),
      /**
       * Every process of the deployment that answered, the answering one first, each with its own
       * figures (stages, memory, pools...). `stages` above lists all their stages, each with its `node`.
       */
      nodes: T.Optional(T.Array(T.Object({ node: NodeIdentity, version: T.String(), uptimeMs: T.Number({ minimum: 0 }), stages: T.Array(StageStatus), memory: T.Object({ level: T.String(), rssBytes: T.Number(), heapUsedBytes: T.Number() }, { additionalProperties: true }) }, { additionalProperties: true }))),
    },
    { additionalProperties: true },
  ),
);
export type StatusReplyMessage = MessageOf<typeof StatusReply>;

/** `docflow.control.tune` request. */
export const TuneRequest = defineKind(
  'tune-request',
  T.Object(
    {
      stage: T.String({ minLength: 1, maxLength: 64 }),
      settings: T.Record(T.String({ maxLength: 64 }), T.Union([T.Number(), T.String({ maxLength: 256 }), T.Boolean()])),
    },
    { additionalProperties: false },
  ),
);

const Settings = T.Record(T.String(), T.Union([T.Number(), T.String(), T.Boolean()]));

/**
 * `docflow.control.tune` reply: the stage's settings now in force (in the answering process when it
 * runs the stage), and in `nodes` those of every process of the deployment that runs it and took the change.
 */
export const TuneReply = defineKind(
  'tune-reply',
  T.Object(
    {
      stage: T.String(),
      settings: Settings,
      node: T.Optional(NodeIdentity),
      nodes: T.Optional(T.Array(T.Object({ node: NodeIdentity, settings: Settings }, { additionalProperties: false }))),
    },
    { additionalProperties: false },
  ),
);
export type TuneRequestMessage = MessageOf<typeof TuneRequest>;
export type TuneReplyMessage = MessageOf<typeof TuneReply>;
