import { connect, AuthorizationError, type NatsConnection, type ConnectionOptions } from '@nats-io/transport-node';
import type { Config } from '../config/load.js';
import { TransportError } from '../errors/index.js';
import { redactUrl } from '../util/redact.js';

/** Connection settings: the `nats` section of the config, with the servers to use. */
export type NatsSettings = Pick<Config['nats'], 'user' | 'password' | 'token' | 'name' | 'connectTimeoutMs' | 'reconnectWaitMs' | 'maxReconnectAttempts'> & {
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
  };
  if (s.token) opts.token = s.token;
  else if (s.user) {
    opts.user = s.user;
    opts.pass = s.password;
  }
  try {
    return await connect(opts);
  } catch (cause) {
    const where = s.servers.map(redactUrl).join(', ');
    if (cause instanceof AuthorizationError || /authoriz|authentic/i.test(String((cause as Error)?.message))) {
      throw new TransportError('ERR_TRANSPORT_AUTH', `NATS at ${where} refused the credentials: set DOCFLOW_NATS_USER and DOCFLOW_NATS_PASSWORD (or nats.token) to those of the server`, { cause });
    }
    throw new TransportError('ERR_TRANSPORT_CONNECT', `cannot connect to NATS at ${where}: ${(cause as Error)?.message ?? cause}. Is nats-server running (\`docflow up\`)?`, { cause });
  }
}

