/**
 * Every stable error code that docflow can produce, in one place.
 *
 * Codes are part of the public contract: they travel on the result stream, in dead letters and in
 * query error replies. Callers decide what to do from `code` and `retryable`, never from message text.
 * Add new codes here; never rename or reuse one.
 */
export const ErrorCodes = {
  // codec: bytes on the wire that cannot become a valid message
  ERR_CODEC_TOO_LARGE: { retryable: false, hint: 'send a smaller body, or a `uri` reference for large documents' },
  ERR_CODEC_CONTENT_TYPE: { retryable: false, hint: 'set Content-Type to application/msgpack or application/json' },
  ERR_CODEC_CONTENT_ENCODING: { retryable: false, hint: 'Content-Encoding must be absent or `lz4`' },
  ERR_CODEC_LZ4: { retryable: false, hint: 'the body is not one valid LZ4 frame; compress with the standard frame format' },
  ERR_CODEC_LZ4_TOO_LARGE: { retryable: false, hint: 'the LZ4 frame decompresses past codec.maxDecodedBytes' },
  ERR_CODEC_MSGPACK: { retryable: false, hint: 'the body is not valid standard msgpack (no extensions, no 0xc1)' },
  ERR_CODEC_JSON: { retryable: false, hint: 'the body is not a valid JSON object' },
  ERR_CODEC_UTF8: { retryable: false, hint: 'strings must be valid UTF-8' },
  ERR_CODEC_DEPTH: { retryable: false, hint: 'the message nests deeper than codec.maxDepth' },
  ERR_CODEC_SCHEMA: { retryable: false, hint: 'the message does not match its schema: see `details` for each field' },
  ERR_CODEC_UNKNOWN_KIND: { retryable: false, hint: 'no schema is registered for this message kind' },
  // config
  ERR_CONFIG_INVALID: { retryable: false, hint: 'fix the listed keys in the config file or environment' },
  ERR_CONFIG_FILE: { retryable: false, hint: 'check the --config path and that it is valid YAML' },
  // command line
  ERR_USAGE: { retryable: false, hint: 'see the command\'s --help' },
  // transport
  ERR_TRANSPORT_CONNECT: { retryable: true, hint: 'is nats-server running? check nats.servers and credentials' },
  ERR_TRANSPORT_AUTH: { retryable: false, hint: 'check DOCFLOW_NATS_USER / DOCFLOW_NATS_PASSWORD (or nats.token)' },
  ERR_TRANSPORT_CLOSED: { retryable: true, hint: 'the NATS connection was closed; the operation can be retried after reconnect' },
  ERR_TRANSPORT_PERMISSION: { retryable: false, hint: 'the NATS user may not use this subject: grant it in the server\'s permissions for this role (config/nats-secure.example.conf) or connect as a user that has it' },
  ERR_TRANSPORT_TIMEOUT: { retryable: true, hint: 'no reply in time: is the service running (`docflow up`)?' },
  ERR_TRANSPORT_NO_RESPONDERS: { retryable: true, hint: 'nothing serves this subject: start `docflow up` or a worker' },
  ERR_TRANSPORT_PUBLISH: { retryable: true, hint: 'JetStream did not acknowledge the publish; it can be retried' },
  ERR_TRANSPORT_TOPOLOGY: { retryable: false, hint: 'a stream or consumer could not be created or updated as configured' },
  ERR_TRANSPORT_CLAIM_MISSING: { retryable: false, hint: 'a claim-checked body is gone from the object store (expired?)' },
  ERR_TRANSPORT_REMOTE: { retryable: false, hint: 'the service replied with an error' },
  // embedded services
  ERR_SERVICE_BINARY_MISSING: { retryable: false, hint: 'install the missing server (see the message) and try again' },
  ERR_SERVICE_START: { retryable: false, hint: 'the server did not start: read its log file named in the message' },
  ERR_SERVICE_INSECURE: { retryable: false, hint: 'set credentials before binding beyond loopback' },
  // actor runtime
  ERR_STAGE_CRASHED: { retryable: false, hint: 'the stage died (killed or crashed) every time it handled this message: inspect it with `docflow dlq list`' },
  ERR_STAGE_TIMEOUT: { retryable: true, hint: 'the task ran past its timeout; raise the stage timeout if the document is legitimately slow' },
  ERR_STAGE_UNKNOWN: { retryable: false, hint: 'no stage by that name runs here: see `docflow status`' },
  ERR_TUNE_INVALID: { retryable: false, hint: 'the setting is unknown for this stage or its value is out of range' },
  ERR_POOL_QUEUE_FULL: { retryable: true, hint: 'the worker pool queue is full; the message will be retried' },
  ERR_POOL_TIMEOUT: { retryable: true, hint: 'no pooled object became free in time' },
  ERR_POOL_CLOSED: { retryable: true, hint: 'the pool is shutting down; the work will be redelivered' },
  ERR_WORKER_DIED: { retryable: true, hint: 'a worker thread died while running the task; it is retried on a fresh thread' },
  ERR_SCHEDULER_TIMEOUT: { retryable: true, hint: 'the scheduled task ran past its timeout' },
  ERR_SUPERVISOR_CLOSED: { retryable: false, hint: 'the supervisor is shut down; start a new one' },
  ERR_SCHEDULER_CLOSED: { retryable: true, hint: 'the scheduler is shutting down; submit again after restart' },
  ERR_SCHEDULER_FULL: { retryable: true, hint: 'too many tasks queued at this priority; retry later' },
  // load stage: where a document comes from
  ERR_LOAD_INVALID_ID: { retryable: false, hint: 'a document id is 1-128 of A-Z a-z 0-9 _ - ; leave it out to derive one from the source' },
  ERR_LOAD_URI: { retryable: false, hint: 'a uri must be file:///absolute/path (other schemes are not supported)' },
  ERR_LOAD_OUTSIDE_ROOTS: { retryable: false, hint: 'the file is outside load.roots (after resolving symlinks and ..): add its directory to load.roots (or DOCFLOW_LOAD_ROOTS=/a,/b) of the process that runs load, and restart it' },
  ERR_LOAD_NOT_FOUND: { retryable: false, hint: 'the file does not exist or is not a regular file' },
  ERR_LOAD_READ: { retryable: true, hint: 'the file could not be read; check its permissions' },
  ERR_LOAD_TOO_LARGE: { retryable: false, hint: 'the document is over load.maxBytes: raise the limit or split the file' },
  ERR_LOAD_EMPTY: { retryable: false, hint: 'the document is empty' },
  // extract stage: from bytes to text
  ERR_EXTRACT_UNSUPPORTED: { retryable: false, hint: 'docflow reads text, Markdown, HTML, PDF, DOCX and man pages; convert the file or set `mime`' },
  ERR_EXTRACT_CORRUPT: { retryable: false, hint: 'the file is damaged or truncated: check it opens in its usual program' },
  ERR_EXTRACT_ENCRYPTED: { retryable: false, hint: 'the file is password-protected: remove the protection and ingest it again' },
  ERR_EXTRACT_NO_TEXT: { retryable: false, hint: 'no text found (an image-only PDF needs OCR first, or the document is empty)' },
  ERR_EXTRACT_BINARY: { retryable: false, hint: 'the bytes are not text in the declared type: check `mime` or the file' },
  ERR_EXTRACT_BOMB: { retryable: false, hint: 'the archive expands far beyond its size (a zip bomb?): it is refused' },
  ERR_EXTRACT_TIMEOUT: { retryable: false, hint: 'extraction ran past pools.extract.taskTimeoutMs (its thread was stopped): raise it if the document is legitimately slow, then replay the dead letter' },
  ERR_EXTRACT_TOO_LARGE: { retryable: false, hint: 'the extracted text is over extract.maxChars: split the document' },
  // split and embed stages
  ERR_SPLIT_INVALID: { retryable: false, hint: 'the split settings are inconsistent (overlap must be below the chunk size)' },
  ERR_EMBED_PROVIDER: { retryable: true, hint: 'the embedding provider failed; it is retried with backoff' },
  ERR_EMBED_RATE_LIMITED: { retryable: true, hint: 'the embedding provider is rate limiting (429); docflow slows down and retries' },
  ERR_EMBED_AUTH: { retryable: false, hint: 'the embedding provider refused the credentials: check embed.http.apiKey' },
  ERR_EMBED_BAD_RESPONSE: { retryable: false, hint: 'the embedding provider answered something that is not an embeddings response' },
  ERR_EMBED_DIMENSION: { retryable: false, hint: 'the provider returned vectors of another dimension than configured' },
  // stores
  ERR_STORE_UNAVAILABLE: { retryable: true, hint: 'a store (PostgreSQL or Chroma) is unreachable; docflow retries with backoff' },
  ERR_STORE_QUERY: { retryable: false, hint: 'a store rejected the operation: see the message' },
  ERR_STORE_MIGRATION: { retryable: false, hint: 'a database migration failed: read the message, fix the database, start again' },
  // queries
  ERR_QUERY_INVALID: { retryable: false, hint: 'the request does not match the query schema: see `details`' },
  ERR_QUERY_SORT: { retryable: false, hint: 'sort by one of the allowed fields listed in the message' },
  ERR_QUERY_LIMIT: { retryable: false, hint: 'a page size, k or depth is over its maximum' },
  ERR_QUERY_NOT_FOUND: { retryable: false, hint: 'nothing by that id or name' },
  ERR_QUERY_COLLECTION: { retryable: false, hint: 'no such collection: ingest into it first, or leave `collection` out' },
  // generic
  ERR_INTERNAL: { retryable: false, hint: 'a bug: please report it with the log line' },
  ERR_ABORTED: { retryable: true, hint: 'the operation was cancelled' },
} as const satisfies Record<string, { retryable: boolean; hint: string }>;

/** A stable error code. */
export type ErrorCode = keyof typeof ErrorCodes;

/** True when `code` is one of docflow's codes. */
export function isErrorCode(code: unknown): code is ErrorCode {
  return typeof code === 'string' && Object.prototype.hasOwnProperty.call(ErrorCodes, code);
}
