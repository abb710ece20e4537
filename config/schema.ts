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
    embedded: Obj(
      {
        binary: T.String({ minLength: 1, description: 'nats-server executable (looked up on PATH)' }),
        configFile: T.String({ minLength: 1, description: 'nats-server config, relative to the package root' }),
        host: T.String({ minLength: 1, description: 'listen address; loopback unless credentials are set' }),
        port: Int(0, 65_535, 'client port; 0 = any free port'),
        monitorPort: Int(0, 65_535, 'HTTP monitoring port; 0 = any free port'),
        startTimeoutMs: Int(500, 120_000, 'time to wait for the server to accept clients'),
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
});

/** The whole, validated, frozen configuration. */
export type Config = Static<typeof ConfigSchema>;
export type StreamConfig = Static<typeof StreamSchema>;
export type ConsumerConfig = Static<typeof ConsumerSchema>;

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
  DOCFLOW_NATS_PORT: { key: 'nats.embedded.port', kind: 'int' },
};

/** Keys whose values are secrets: never printed in logs or status. */
export const SECRET_KEYS: readonly string[] = ['nats.password', 'nats.token'];
