import { connect, AuthorizationError, PermissionViolationError, type NatsConnection, type ConnectionOptions } from '@nats-io/transport-node';
import type { Config } from '../config/load.js';
import { TransportError } from '../errors/index.js';
import { redactUrl } from '../util/redact.js';
import { coalesceWrites } from './coalesce.js';

/** Connection settings: the `nats` section of the config, with the servers to use. */
export type NatsSettings = Pick<Config['nats'], 'user' | 'password' | 'token' | 'name' | 'connectTimeoutMs' | 'reconnectWaitMs' | 'maxReconnectAttempts' | 'inboxPrefix'> & {
  servers: readonly string[];
};

/** Connect to NATS with reconnect and the configured auth; failures become typed errors. */
export async function connectNats(s: NatsSettings): Promise<NatsConnection> {
  const opts: ConnectionOptions = {
    servers: [...s.servers],
    name: s.name,
    timeout: s.connectTimeoutMs,
    reconnect: true,
    reconnectTimeWait: s.reconnectWaitMs,
    maxReconnectAttempts: s.maxReconnectAttempts,
    pingInterval: 10_000,
    // Without it every request captures a stack trace up front (an Error per request, two per
    // JetStream publish), only to enrich a timeout's message: too dear on the per-message path.
    noAsyncTraces: true,
    // The client's own inboxes (requests, and JetStream's through it) start with it; docflow's
    // hand-made ones (JsPublisher, PullInbox) are given the same prefix by the Transport.
    inboxPrefix: s.inboxPrefix,
  };
  if (s.token) opts.token = s.token;
  else if (s.user) {
    opts.user = s.user;
    opts.pass = s.password;
  }
  let nc: NatsConnection;
  try {
    nc = await connect(opts);
  } catch (cause) {
    const where = s.servers.map(redactUrl).join(', ');
    if (cause instanceof AuthorizationError || /authoriz|authentic/i.test(String((cause as Error)?.message))) {
      throw new TransportError('ERR_TRANSPORT_AUTH', `NATS at ${where} refused the credentials: set DOCFLOW_NATS_USER and DOCFLOW_NATS_PASSWORD (or nats.token) to those of the server`, { cause });
    }
    throw new TransportError('ERR_TRANSPORT_CONNECT', `cannot connect to NATS at ${where}: ${(cause as Error)?.message ?? cause}. Is nats-server running (\`docflow up\`)?`, { cause });
  }
  coalesceWrites(nc);
  return nc;
}

/**
 * The server refused this user a subscription to its own reply inboxes: `inboxPrefix` is not the
 * one its role may subscribe to. Every request then fails, so the caller says what to set instead
 * of what went wrong underneath. Undefined for any other error.
 */
export function inboxRefused(err: unknown, inboxPrefix: string): TransportError | undefined {
  const e = permissionViolation(err);
  if (e?.operation === 'subscription' && e.subject.startsWith(`${inboxPrefix}.`)) {
    return new TransportError('ERR_TRANSPORT_AUTH', `NATS does not let this user subscribe to its reply inboxes (${e.subject}): set nats.inboxPrefix (DOCFLOW_NATS_INBOX_PREFIX) to the prefix its role may subscribe to, e.g. _INBOX_ingest`, { cause: err });
  }
  return undefined;
}

/** The server's permissions refusal somewhere in `err`'s cause chain, if any. */
export function permissionViolation(err: unknown): PermissionViolationError | undefined {
  for (let e: unknown = err; e instanceof Error; e = e.cause) if (e instanceof PermissionViolationError) return e;
  return undefined;
}
