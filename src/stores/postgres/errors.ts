import { DocflowError } from '../../errors/index.js';

/** Socket-level failures: the server is down, restarting or unreachable. */
const UNREACHABLE_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EHOSTUNREACH', 'ENETUNREACH', 'EPIPE', 'ENOTFOUND', 'EAI_AGAIN', 'ECONNABORTED']);
/** SQLSTATEs that mean "the server cannot serve you right now", not "your statement is wrong". */
const UNAVAILABLE_STATES = new Set(['57P01' /* admin_shutdown */, '57P02' /* crash_shutdown */, '57P03' /* cannot_connect_now */, '53300' /* too_many_connections */]);
/** The server is up but refuses this login or database: retrying will not help. */
const REFUSED_STATES = new Set(['28P01' /* invalid_password */, '28000' /* invalid_authorization */, '3D000' /* database does not exist */]);
/** The statement was right but lost a race; the same transaction usually succeeds when run again. */
const TRANSIENT_STATES = new Set(['40001' /* serialization_failure */, '40P01' /* deadlock_detected */, '55P03' /* lock_not_available */]);
/** pg's own messages for a connection that went away (they carry no code). */
const LOST_CONNECTION = /Connection terminated|connection error|timeout exceeded when trying to connect|Client was closed|not queryable|terminating connection/i;

interface PgLikeError {
  code?: unknown;
  message?: unknown;
  constraint?: unknown;
  table?: unknown;
  column?: unknown;
}

/** The SQLSTATE of a pg error, when it has one (five characters). */
export function sqlState(err: unknown): string | undefined {
  const code = (err as PgLikeError | null)?.code;
  return typeof code === 'string' && /^[0-9A-Z]{5}$/.test(code) ? code : undefined;
}

/**
 * Turn whatever pg threw into a DocflowError: ERR_STORE_UNAVAILABLE (retryable) when the server is
 * unreachable or shutting down, ERR_STORE_QUERY otherwise. `what` says what was being done, and `target`
 * is the redacted server address. Parameter values never enter the message (they may be documents).
 */
export function toStoreError(err: unknown, what: string, target: string): DocflowError {
  if (err instanceof DocflowError) return err;
  const e = (err ?? {}) as PgLikeError;
  const message = typeof e.message === 'string' && e.message !== '' ? e.message : String(err);
  const state = sqlState(err);
  const nodeCode = typeof e.code === 'string' && !state ? e.code : undefined;
  if ((nodeCode && UNREACHABLE_CODES.has(nodeCode)) || (state && (state.startsWith('08') || UNAVAILABLE_STATES.has(state))) || (!state && LOST_CONNECTION.test(message))) {
    return new DocflowError('ERR_STORE_UNAVAILABLE', `PostgreSQL at ${target} is unavailable (${what}): ${message}`, { cause: err, details: { sqlState: state ?? nodeCode } });
  }
  if (state && REFUSED_STATES.has(state)) {
    return new DocflowError('ERR_STORE_UNAVAILABLE', `PostgreSQL at ${target} refused the connection (${what}): ${message} (SQLSTATE ${state}); check the user, password and database in postgres.url`, { cause: err, retryable: false, details: { sqlState: state } });
  }
  const details: Record<string, string> = {};
  if (state) details['sqlState'] = state;
  for (const key of ['constraint', 'table', 'column'] as const) if (typeof e[key] === 'string') details[key] = e[key];
  return new DocflowError('ERR_STORE_QUERY', `PostgreSQL rejected the ${what}: ${message}${state ? ` (SQLSTATE ${state})` : ''}`, {
    cause: err,
    details,
    retryable: state !== undefined && TRANSIENT_STATES.has(state),
  });
}
