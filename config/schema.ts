/**
 * The one typed schema of docflow's configuration. Defaults live in `config/default.yaml` (the file a
 * user copies and edits); this schema says what each key may hold, with units in the names.
 * Every key is required here because the defaults file fills them all; unknown keys are errors.
 */
import { Type as T, type Static, type TSchema } from '@sinclair/typebox';

const Int = (min: number, max: number, description: string) => T.Integer({ minimum: min, maximum: max, description });
const Obj = <P extends Record<string, TSchema>>(props: P, description?: string) =>
  T.Object(props, { additionalProperties: false, ...(description ? { description } : {}) });

/** A subject token: no spaces, dots or wildcards. */
const Token = T.String({ pattern: '^[A-Za-z0-9_-]{1,64}$', description: 'one NATS subject token' });
/** A subject relative to `subjectPrefix`, wildcards allowed. */
const RelSubject = T.String({ pattern: '^[A-Za-z0-9_*>-]+(\\.[A-Za-z0-9_*>-]+)*$', description: 'subject after the prefix' });

export const StreamSchema = Obj({
  subjects: T.Array(RelSubject, { minItems: 1, description: 'subjects captured, relative to subjectPrefix' }),
  retention: T.Union([T.Literal('limits'), T.Literal('workqueue'), T.Literal('interest')]),
  storage: T.Union([T.Literal('file'), T.Literal('memory')]),
  replicas: Int(1, 5, 'JetStream replicas (3 in a production cluster)'),
  maxAgeMs: Int(0, 10 * 365 * 86_400_000, 'age after which messages are dropped; 0 = forever'),
  maxBytes: T.Integer({ minimum: -1, description: 'stream size bound in bytes; -1 = unlimited' }),
  duplicateWindowMs: Int(1_000, 86_400_000, 'Nats-Msg-Id de-duplication window'),
});

export const ConsumerSchema = Obj({
  stream: Token,
  filterSubject: RelSubject,
  ackWaitMs: Int(1_000, 3_600_000, 'redeliver a message not acked (nor in progress) within this'),
  maxDeliver: Int(1, 1_000, 'deliveries before a message is given up (then dead-lettered)'),
  maxAckPending: Int(1, 1_000_000, 'server-side bound on unacked messages across all workers'),
});

export const StageSettingsSchema = Obj({
  concurrency: Int(1, 10_000, 'messages handled at once (the message credit)'),
  maxBytesInFlight: Int(1_024, 1 << 30, 'bytes of input held at once (the byte credit)'),
  taskTimeoutMs: Int(100, 3_600_000, 'a task running longer is aborted and retried'),
  progressIntervalMs: Int(100, 600_000, 'how often a running task resets its ack timer (well under ackWaitMs)'),
  drainGraceMs: Int(0, 600_000, 'on stop or restart, time for in-flight work before it is nak\'ed'),
  retryBaseDelayMs: Int(0, 600_000, 'first redelivery delay of a retryable failure'),
  retryMaxDelayMs: Int(0, 3_600_000, 'cap of the redelivery delay'),
  retryJitter: T.Number({ minimum: 0, maximum: 1, description: 'spread of the delay, as a fraction' }),
});

export const PoolSettingsSchema = Obj({
  threads: Int(1, 256, 'worker threads of the stage (tunable at run time)'),
  maxQueue: Int(0, 1_000_000, 'tasks waiting for a thread; 0 = four per thread'),
  taskTimeoutMs: Int(0, 3_600_000, 'a task running longer on its thread is killed; 0 = no limit'),
  recycleAfterTasks: Int(0, Number.MAX_SAFE_INTEGER, 'replace a thread after this many tasks; 0 = never'),
  recycleOnHeapGrowthMb: Int(0, 1_000_000, 'replace a thread whose heap grew by this much; 0 = off'),
  maxOldGenerationSizeMb: Int(0, 1_000_000, 'heap limit of each thread; 0 = Node\'s default'),
  maxYoungGenerationSizeMb: Int(0, 1_000_000, 'young generation (short-lived objects) of each thread; 0 = Node\'s default (up to 48 MB a thread)'),
  closeGraceMs: Int(0, 600_000, 'on close, time for running tasks before their threads are killed'),
});

export const ConfigSchema = Obj({
  subjectPrefix: Token,
  dataDir: T.String({ minLength: 1, description: 'where embedded services keep their data' }),
  log: Obj({
    level: T.Union(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'].map((l) => T.Literal(l))),
  }),
  nats: Obj({
    servers: T.Array(T.String({ minLength: 1 }), { description: 'nats://host:port URLs; empty = start the embedded nats-server' }),
    user: T.String({ description: 'user name; empty = none (env DOCFLOW_NATS_USER)' }),
    password: T.String({ description: 'password (env DOCFLOW_NATS_PASSWORD); never logged' }),
    token: T.String({ description: 'token auth (env DOCFLOW_NATS_TOKEN); never logged' }),
    name: T.String({ minLength: 1, description: 'connection name shown by the server' }),
    connectTimeoutMs: Int(100, 600_000, 'time to wait for the first connection'),
    reconnectWaitMs: Int(10, 600_000, 'pause between reconnect attempts'),
    maxReconnectAttempts: Int(-1, 1_000_000, 'reconnect attempts; -1 = forever'),
    // Subject tokens without wildcards: replies are published to `<inboxPrefix>.<unique id>…`.
    inboxPrefix: T.String({
      pattern: '^[A-Za-z0-9_-]+(\\.[A-Za-z0-9_-]+)*$', maxLength: 128,
      description: 'reply inboxes are `<prefix>.<id>` (env DOCFLOW_NATS_INBOX_PREFIX); one prefix per NATS role, so that each role may subscribe to its own replies only',
    }),
    embedded: Obj(
      {
        binary: T.String({ minLength: 1, description: 'nats-server executable (looked up on PATH)' }),
        configFile: T.String({ minLength: 1, description: 'nats-server config, relative to the package root' }),
        host: T.String({ minLength: 1, description: 'listen address; loopback unless credentials are set' }),
        port: Int(0, 65_535, 'client port; 0 = any free port'),
        monitorPort: Int(0, 65_535, 'HTTP monitoring port; 0 = any free port'),
        startTimeoutMs: Int(500, 120_000, 'time to wait for the server to accept clients'),
        maxProcs: Int(0, 1024, "nats-server's GOMAXPROCS (threads running its Go code); 0 = $GOMAXPROCS if set, else Go's default (one per core)"),
      },
      'used when nats.servers is empty',
    ),
  }),
  codec: Obj({
    compressMinBytes: Int(0, 1 << 30, 'compress bodies of at least this many bytes'),
    compressMaxRatio: T.Number({ exclusiveMinimum: 0, maximum: 1, description: 'keep LZ4 only when compressed/plain <= this' }),
    maxBodyBytes: Int(1_024, 1 << 30, 'largest body accepted before decoding'),
    maxDecodedBytes: Int(1_024, 1 << 30, 'largest LZ4-decoded body'),
    maxDepth: Int(2, 1_000, 'deepest nesting of arrays and maps'),
  }),
  transport: Obj({
    publishWindow: Int(1, 100_000, 'un-acked JetStream publishes in flight at most'),
    publishTimeoutMs: Int(100, 600_000, 'wait for a JetStream publish ack'),
    requestTimeoutMs: Int(100, 600_000, 'wait for a request/reply answer'),
    claimCheck: Obj({
      bucket: T.String({ pattern: '^[A-Za-z0-9_-]{1,64}$', description: 'object store bucket for large bodies' }),
      ttlMs: Int(60_000, 365 * 86_400_000, 'how long a claim-checked body is kept'),
      thresholdBytes: Int(0, 1 << 30, 'bodies above this go by reference; 0 = server max_payload less headroom'),
    }),
  }),
  streams: T.Record(Token, StreamSchema),
  consumers: T.Record(Token, ConsumerSchema),
  supervisor: Obj({
    minDelayMs: Int(0, 600_000, 'first restart delay'),
    maxDelayMs: Int(0, 3_600_000, 'cap of the restart delay'),
    jitter: T.Number({ minimum: 0, maximum: 1, description: 'spread of the restart delay' }),
    maxRestarts: Int(0, 1_000, 'restarts allowed within periodMs before the stage is marked failed'),
    periodMs: Int(1, 86_400_000, 'the restart intensity window'),
  }),
  memory: Obj({
    intervalMs: Int(10, 600_000, 'sampling interval'),
    historySize: Int(2, 100_000, 'samples kept for the trend'),
    limitBytes: Int(16 << 20, Number.MAX_SAFE_INTEGER, 'RSS at which the level is critical'),
    highRatio: T.Number({ exclusiveMinimum: 0, exclusiveMaximum: 1, description: 'fraction of limitBytes at which the level is high' }),
    minSystemFreeBytes: Int(0, Number.MAX_SAFE_INTEGER, 'system free memory below which the level is critical'),
    criticalCooldownMs: Int(0, 3_600_000, 'least time between two memory restarts'),
    highCreditFactor: T.Number({ exclusiveMinimum: 0, maximum: 1, description: 'at high, the heaviest stage keeps this fraction of its credit' }),
  }),
  metrics: Obj({
    enabled: T.Boolean({ description: 'serve Prometheus metrics' }),
    host: T.String({ minLength: 1, description: 'listen address (loopback by default)' }),
    port: Int(0, 65_535, 'listen port; 0 = any free port'),
    dashboard: T.Boolean({ description: 'serve the live dashboard at / on the same address' }),
  }),
  postgres: Obj({
    url: T.String({ description: 'postgres://user:password@host:port/db; empty = start the embedded PostgreSQL (env DOCFLOW_POSTGRES_URL)' }),
    poolMax: Int(1, 1_000, 'connections in the pool'),
    embedded: Obj({ port: Int(0, 65_535, 'listen port on 127.0.0.1; 0 = any free port') }, 'used when postgres.url is empty'),
  }),
  chroma: Obj({
    url: T.String({ description: 'http://host:port of a Chroma server; empty = start the embedded one (env DOCFLOW_CHROMA_URL)' }),
    embedded: Obj({ port: Int(0, 65_535, 'listen port on 127.0.0.1; 0 = any free port') }, 'used when chroma.url is empty'),
  }),
  load: Obj({
    roots: T.Array(T.String({ minLength: 1 }), { description: 'file:// documents must resolve (symlinks and .. first) inside one of these folders (env DOCFLOW_LOAD_ROOTS)' }),
    maxBytes: Int(1, 1 << 30, 'largest document accepted, bytes'),
  }),
  extract: Obj({
    maxChars: Int(1, 1 << 30, 'largest extracted text, characters'),
    maxUnzippedBytes: Int(1_024, 1 << 30, 'largest total size inside a DOCX (zip bomb guard)'),
    maxZipRatio: Int(2, 100_000, 'largest compression ratio inside a DOCX (zip bomb guard)'),
    maxDecompressedBytes: Int(1_024, 1 << 30, 'largest gunzipped man page'),
  }),
  split: Obj({
    unit: T.Union([T.Literal('tokens'), T.Literal('chars')], { description: 'chunk sizes in cl100k tokens or characters' }),
    chunkSize: Int(16, 100_000, 'largest chunk, in the unit'),
    chunkOverlap: Int(0, 50_000, 'overlap between consecutive chunks, in the unit (below chunkSize)'),
  }),
  embed: Obj({
    provider: T.Union([T.Literal('hash'), T.Literal('http')], { description: 'hash = offline lexical feature hashing; http = an OpenAI-compatible /v1/embeddings endpoint' }),
    dimension: Int(8, 65_536, 'vector dimension (hash); checked against the http provider when set'),
    batchSize: Int(1, 10_000, 'texts per embedding call: a batch flushes at this many'),
    batchWaitMs: Int(0, 60_000, '... or after this long, whichever comes first'),
    http: Obj({
      url: T.String({ description: 'base URL, e.g. http://127.0.0.1:8080/v1 (env DOCFLOW_EMBED_URL)' }),
      model: T.String({ description: 'model name sent to the provider' }),
      apiKey: T.String({ description: 'bearer token (env DOCFLOW_EMBED_API_KEY); never logged' }),
      maxBatchItems: Int(1, 10_000, 'texts per request'),
      maxBatchTokens: Int(1, 10_000_000, 'estimated tokens per request'),
      maxConcurrency: Int(1, 256, 'requests in flight at most (lowered on 429)'),
      timeoutMs: Int(100, 600_000, 'per request'),
    }),
  }),
  cache: Obj({
    l1: Obj({
      maxEntries: Int(1, 100_000_000, 'entries in the in-process LRU'),
      maxBytes: Int(1_024, Number.MAX_SAFE_INTEGER, 'bytes in the in-process LRU (trimmed at memory level high)'),
      ttlMs: Int(1, 86_400_000, 'longest an entry stays in the in-process LRU'),
    }),
    l2: Obj({
      url: T.String({ description: 'redis://host:port; empty = no L2 (env DOCFLOW_REDIS_URL)' }),
      timeoutMs: Int(1, 60_000, 'a Redis call slower than this counts as a miss and marks L2 degraded'),
      compressMinBytes: Int(0, 1 << 30, 'values from this size are LZ4-compressed in Redis and PostgreSQL'),
    }),
    l3: Obj({ enabled: T.Boolean({ description: 'keep entries in PostgreSQL (table docflow_cache) too' }) }),
    embeddingTtlMs: Int(1, 10 * 365 * 86_400_000, 'embeddings by (model, chunk text hash): a re-run never pays twice'),
    extractTtlMs: Int(1, 10 * 365 * 86_400_000, 'extracted text by content hash'),
    queryTtlMs: Int(1, 86_400_000, 'search answers (invalidated when an ingest changes their collection)'),
  }),
  knowledge: Obj({
    enabled: T.Boolean({ description: 'run the knowledge stage (entities and relations) beside embed' }),
    minTermCount: Int(1, 1_000, 'a noun phrase is a term when it recurs this often in a document'),
    maxTermWords: Int(1, 16, 'longest term, in words'),
    terms: T.Boolean({ description: 'extract recurring terms besides people, places and organisations' }),
    skipCode: T.Boolean({ description: 'leave out lines shaped like source code (`>>> …`, `def …`, `x = …`, `f(a, b)`): they read as junk entities' }),
    maxPathWalk: Int(100, 100_000_000, 'partial paths a path query may walk before it gives up (ERR_QUERY_LIMIT)'),
  }),
  queries: Obj({
    documents: Obj({
      batchWaitMs: Int(0, 1_000, 'concurrent docflow.query.documents requests are collected this long ...'),
      maxBatch: Int(1, 10_000, '... or up to this many, and answered with one SQL query'),
    }),
  }),
  index: Obj({
    collection: T.String({ pattern: '^[A-Za-z0-9_-]{1,40}$', description: 'default collection of documents without one' }),
  }),
  poolDefaults: PoolSettingsSchema,
  pools: T.Record(Token, T.Partial(PoolSettingsSchema), { description: 'per stage pool, what differs from poolDefaults' }),
  stageDefaults: StageSettingsSchema,
  stages: T.Record(Token, T.Partial(StageSettingsSchema), { description: 'per stage, what differs from stageDefaults' }),
});

/** The whole, validated, frozen configuration. */
export type Config = Static<typeof ConfigSchema>;
export type StreamConfig = Static<typeof StreamSchema>;
export type ConsumerConfig = Static<typeof ConsumerSchema>;
export type StageSettingsConfig = Static<typeof StageSettingsSchema>;
export type PoolSettingsConfig = Static<typeof PoolSettingsSchema>;

/**
 * The environment variables docflow reads, and the key each one sets. Nothing else in the
 * environment changes the configuration.
 */
export const ENV_OVERRIDES: Readonly<Record<string, { key: string; kind: 'string' | 'int' | 'list' }>> = {
  DOCFLOW_SUBJECT_PREFIX: { key: 'subjectPrefix', kind: 'string' },
  DOCFLOW_DATA_DIR: { key: 'dataDir', kind: 'string' },
  DOCFLOW_LOG_LEVEL: { key: 'log.level', kind: 'string' },
  DOCFLOW_NATS_URL: { key: 'nats.servers', kind: 'list' },
  DOCFLOW_NATS_USER: { key: 'nats.user', kind: 'string' },
  DOCFLOW_NATS_PASSWORD: { key: 'nats.password', kind: 'string' },
  DOCFLOW_NATS_TOKEN: { key: 'nats.token', kind: 'string' },
  DOCFLOW_NATS_INBOX_PREFIX: { key: 'nats.inboxPrefix', kind: 'string' },
  DOCFLOW_NATS_PORT: { key: 'nats.embedded.port', kind: 'int' },
  DOCFLOW_METRICS_PORT: { key: 'metrics.port', kind: 'int' },
  DOCFLOW_POSTGRES_URL: { key: 'postgres.url', kind: 'string' },
  DOCFLOW_CHROMA_URL: { key: 'chroma.url', kind: 'string' },
  DOCFLOW_LOAD_ROOTS: { key: 'load.roots', kind: 'list' },
  DOCFLOW_EMBED_URL: { key: 'embed.http.url', kind: 'string' },
  DOCFLOW_REDIS_URL: { key: 'cache.l2.url', kind: 'string' },
  DOCFLOW_EMBED_API_KEY: { key: 'embed.http.apiKey', kind: 'string' },
};

/** Keys whose values are secrets: never printed in logs or status. */
export const SECRET_KEYS: readonly string[] = ['nats.password', 'nats.token', 'embed.http.apiKey'];

/** Keys holding server URLs (or lists of them), which may carry `user:password@`: printed without it. */
export const URL_KEYS: readonly string[] = ['nats.servers', 'postgres.url', 'chroma.url', 'cache.l2.url', 'embed.http.url'];
