import { createInbox, headers as natsHeaders, NoRespondersError, TimeoutError, type Msg, type MsgHdrs, type NatsConnection } from '@nats-io/transport-node';
import type { PubAck } from '@nats-io/jetstream';
import { TransportError } from '../errors/index.js';
import { MSG_ID_HEADER } from './headers.js';

/** A publish waiting for its ack. */
interface Waiter {
  resolve(ack: PubAck): void;
  reject(err: unknown): void;
  /** `performance.now()` ms after which it fails with a `TimeoutError`. */
  deadline: number;
}

/** How often pending publishes are checked for their deadline, ms (a timeout fires up to this late). */
const SWEEP_MS = 50;

/**
 * JetStream publishes on the hot path, without the client's request machinery: one wildcard reply
 * subscription for every publish instead of a mux entry each, one sweeping timer for all deadlines
 * instead of a timer each, and no Error objects built up front for stack traces. A publish costs
 * one `HPUB` and one small JSON parse of its ack.
 *
 * Failures match the client's: a `TimeoutError` when no ack came in time, a `NoRespondersError`
 * when no stream listens on the subject (both transient: the caller retries), a `TransportError`
 * for an error reply from JetStream or a closed connection.
 */
export class JsPublisher {
  readonly #prefix: string;
  readonly #pending = new Map<string, Waiter>();
  #next = 0;
  #sweep: NodeJS.Timeout | undefined;

  /** `inboxPrefix`: the connection's (`nats.inboxPrefix`), so that the acks arrive where this role may subscribe. */
  constructor(private readonly nc: NatsConnection, inboxPrefix: string) {
    this.#prefix = `${createInbox(inboxPrefix)}.`;
    nc.subscribe(`${this.#prefix}*`, { callback: (err, m) => (err ? this.#failAll(err) : this.#reply(m)) });
    void nc.closed().then(() => this.#failAll(new TransportError('ERR_TRANSPORT_CLOSED', 'the NATS connection closed before JetStream acknowledged the message')));
  }

  /** Publish `body` to a stream's subject; resolves with JetStream's ack. */
  publish(subject: string, body: Uint8Array, headers: Record<string, string>, msgId: string | undefined, timeoutMs: number): Promise<PubAck> {
    return new Promise<PubAck>((resolve, reject) => {
      const token = (this.#next++).toString(36);
      try {
        this.nc.publish(subject, body, { reply: this.#prefix + token, headers: natsHeadersOf(headers, msgId) });
      } catch (err) {
        reject(err);
        return;
      }
      this.#pending.set(token, { resolve, reject, deadline: performance.now() + timeoutMs });
      this.#sweep ??= setInterval(() => this.#expire(), SWEEP_MS).unref();
    });
  }

  #reply(m: Msg): void {
    const token = m.subject.slice(this.#prefix.length);
    const w = this.#pending.get(token);
    if (w === undefined) return; // timed out already
    this.#pending.delete(token);
    if (m.data.length === 0 && m.headers?.code === 503) {
      w.reject(new NoRespondersError(m.subject));
      return;
    }
    let ack: { stream?: string; seq?: number; duplicate?: boolean; domain?: string; error?: { code?: number; err_code?: number; description?: string } };
    try {
      ack = m.json();
    } catch (err) {
      w.reject(new TransportError('ERR_TRANSPORT_PUBLISH', 'JetStream sent an ack that is not JSON', { cause: err }));
      return;
    }
    if (ack.error !== undefined) {
      const e = ack.error;
      w.reject(new TransportError('ERR_TRANSPORT_PUBLISH', `JetStream refused the message: ${e.description ?? 'unknown error'} (code ${e.code ?? '?'}, err_code ${e.err_code ?? '?'})`));
    } else if (typeof ack.stream !== 'string' || ack.stream === '' || typeof ack.seq !== 'number') {
      w.reject(new TransportError('ERR_TRANSPORT_PUBLISH', 'invalid ack response from JetStream'));
    } else {
      w.resolve({ stream: ack.stream, seq: ack.seq, duplicate: ack.duplicate === true, ...(ack.domain ? { domain: ack.domain } : {}) });
    }
  }

  #expire(): void {
    const now = performance.now();
    for (const [token, w] of this.#pending) {
      if (w.deadline > now) continue;
      this.#pending.delete(token);
      w.reject(new TimeoutError());
    }
    if (this.#pending.size === 0) {
      clearInterval(this.#sweep);
      this.#sweep = undefined;
    }
  }

  #failAll(err: unknown): void {
    for (const w of this.#pending.values()) w.reject(err);
    this.#pending.clear();
    clearInterval(this.#sweep);
    this.#sweep = undefined;
  }
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
