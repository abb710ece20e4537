import { ErrorCodes, isErrorCode, type ErrorCode } from './codes.js';

export { ErrorCodes, isErrorCode, type ErrorCode } from './codes.js';

/** Longest error message that crosses the wire (the contract's error schemas allow 8192). */
export const MAX_ERROR_MESSAGE = 4096;

/** The plain form of an error, as it crosses threads and the wire. */
export interface ErrorInfo {
  code: string;
  message: string;
  retryable: boolean;
  /** Optional structured details (e.g. schema violations), plain data only. */
  details?: unknown;
}

/**
 * Base class of every error docflow raises on purpose: a stable `code`, a `retryable` flag and an
 * optional `cause`. Subclasses exist only where a caller can act on the difference.
 */
export class DocflowError extends Error {
  readonly code: ErrorCode;
  readonly retryable: boolean;
  readonly details?: unknown;

  constructor(code: ErrorCode, message: string, opts: { cause?: unknown; details?: unknown; retryable?: boolean } = {}) {
    super(message, opts.cause === undefined ? undefined : { cause: opts.cause });
    this.name = new.target.name;
    this.code = code;
    this.retryable = opts.retryable ?? ErrorCodes[code].retryable;
    if (opts.details !== undefined) this.details = opts.details;
  }

  /** What to do next, for a human. */
  get hint(): string {
    return ErrorCodes[this.code].hint;
  }

  /** The plain form, safe to msgpack or JSON; the message is cut to MAX_ERROR_MESSAGE characters. */
  toInfo(): ErrorInfo {
    const message = this.message.length > MAX_ERROR_MESSAGE ? `${this.message.slice(0, MAX_ERROR_MESSAGE - 1)}…` : this.message;
    const info: ErrorInfo = { code: this.code, message, retryable: this.retryable };
    if (this.details !== undefined) info.details = this.details;
    return info;
  }

  /** Rebuild an error from its plain form (an unknown code becomes ERR_REMOTE-like ERR_TRANSPORT_REMOTE). */
  static fromInfo(info: ErrorInfo): DocflowError {
    const code: ErrorCode = isErrorCode(info.code) ? info.code : 'ERR_TRANSPORT_REMOTE';
    const Ctor = subclassFor(code);
    return new Ctor(code, info.message, { details: info.details, retryable: info.retryable });
  }
}

/** Bytes that cannot become a valid message. Never retryable: the same bytes fail the same way. */
export class CodecError extends DocflowError {}
/** The configuration is invalid; `details` lists every bad key. */
export class ConfigError extends DocflowError {}
/** NATS could not do what was asked. */
export class TransportError extends DocflowError {}
/** An embedded or test service could not be started. */
export class ServiceError extends DocflowError {}

function subclassFor(code: ErrorCode): new (c: ErrorCode, m: string, o?: { details?: unknown; retryable?: boolean }) => DocflowError {
  if (code.startsWith('ERR_CODEC_')) return CodecError;
  if (code.startsWith('ERR_CONFIG_')) return ConfigError;
  if (code.startsWith('ERR_TRANSPORT_')) return TransportError;
  if (code.startsWith('ERR_SERVICE_')) return ServiceError;
  return DocflowError;
}

/** Turn anything thrown into a DocflowError (unknown throwables become ERR_INTERNAL). */
export function toDocflowError(err: unknown): DocflowError {
  if (err instanceof DocflowError) return err;
  const message = err instanceof Error ? err.message : String(err);
  return new DocflowError('ERR_INTERNAL', message, { cause: err });
}
