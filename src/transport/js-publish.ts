import { headers as natsHeaders, type Msg, type MsgHdrs } from '@nats-io/transport-node';
import type { PubAck } from '@nats-io/jetstream';
import { TransportError } from '../errors/index.js';
import { MSG_ID_HEADER } from './headers.js';
import type { ReplyMux } from './reply-mux.js';

/**
 * JetStream publishes on the hot path, without the client's request machinery: through the
 * connection's ReplyMux (one wildcard reply subscription, one sweeping timer, no Error built per
 * publish). A publish costs one `HPUB` and one small JSON parse of its ack.
 *
 * Failures match the client's: a `TimeoutError` when no ack came in time, a `NoRespondersError`
 * when no stream listens on the subject (both transient: the caller retries), a `TransportError`
 * for an error reply from JetStream or a closed connection.
 */
export class JsPublisher {
  constructor(private readonly mux: ReplyMux) {}

  /** Publish `body` to a stream's subject; resolves with JetStream's ack. */
  publish(subject: string, body: Uint8Array, headers: Record<string, string>, msgId: string | undefined, timeoutMs: number): Promise<PubAck> {
    return this.mux.request(subject, body, natsHeadersOf(headers, msgId), timeoutMs).then(parseAck);
  }
}

function parseAck(m: Msg): PubAck {
  let ack: { stream?: string; seq?: number; duplicate?: boolean; domain?: string; error?: { code?: number; err_code?: number; description?: string } };
  try {
    ack = m.json();
  } catch (err) {
    throw new TransportError('ERR_TRANSPORT_PUBLISH', 'JetStream sent an ack that is not JSON', { cause: err });
  }
  if (ack.error !== undefined) {
    const e = ack.error;
    throw new TransportError('ERR_TRANSPORT_PUBLISH', `JetStream refused the message: ${e.description ?? 'unknown error'} (code ${e.code ?? '?'}, err_code ${e.err_code ?? '?'})`);
  }
  if (typeof ack.stream !== 'string' || ack.stream === '' || typeof ack.seq !== 'number') {
    throw new TransportError('ERR_TRANSPORT_PUBLISH', 'invalid ack response from JetStream');
  }
  return { stream: ack.stream, seq: ack.seq, duplicate: ack.duplicate === true, ...(ack.domain ? { domain: ack.domain } : {}) };
}

function natsHeadersOf(record: Record<string, string | undefined>, msgId: string | undefined): MsgHdrs {
  const h = natsHeaders();
  for (const name in record) {
    const value = record[name];
    if (value !== undefined) h.set(name, value);
  }
  if (msgId !== undefined) h.set(MSG_ID_HEADER, msgId);
  return h;
}
