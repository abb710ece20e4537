import { createInbox, nanos, type Msg, type NatsConnection } from '@nats-io/transport-node';

/**
 * One JetStream pull request, sent by hand because the client's `fetch` will not take a message
 * count and a byte count together, and docflow's credit is both. Yields the delivered messages and
 * ends on the server's status reply (no messages, request expired, size limit) or after `batch`.
 */
export async function* pullRequest(
  nc: NatsConnection,
  stream: string,
  consumer: string,
  opts: { batch: number; maxBytes: number; expiresMs: number; signal?: AbortSignal },
): AsyncGenerator<RawJsMsg> {
  const inbox = createInbox();
  const sub = nc.subscribe(inbox);
  // The server answers within `expires`; the timer only guards against a lost connection.
  const guard = setTimeout(() => sub.unsubscribe(), opts.expiresMs + 2_000);
  const stop = () => sub.unsubscribe();
  opts.signal?.addEventListener('abort', stop, { once: true });
  try {
    if (opts.signal?.aborted) return;
    const req = { batch: opts.batch, max_bytes: opts.maxBytes, expires: nanos(opts.expiresMs) };
    nc.publish(`$JS.API.CONSUMER.MSG.NEXT.${stream}.${consumer}`, JSON.stringify(req), { reply: inbox });
    let got = 0;
    for await (const m of sub) {
      if (!m.reply) {
        if (m.headers?.code === 100) continue; // idle heartbeat
        break; // 404 no messages, 408 expired, 409 limits: this request is done
      }
      yield new RawJsMsg(nc, m);
      if (++got >= opts.batch) break;
    }
  } finally {
    clearTimeout(guard);
    opts.signal?.removeEventListener('abort', stop);
    sub.unsubscribe();
  }
}

/** A delivered JetStream message with the acknowledgement protocol, parsed from its reply subject. */
export class RawJsMsg {
  readonly subject: string;
  readonly data: Uint8Array;
  readonly headers: Msg['headers'];
  readonly streamSequence: number;
  readonly deliveryCount: number;
  readonly #reply: string;

  constructor(private readonly nc: NatsConnection, m: Msg) {
    this.subject = m.subject;
    this.data = m.data;
    this.headers = m.headers;
    this.#reply = m.reply!;
    // $JS.ACK.<stream>.<consumer>.<delivered>.<sseq>.<cseq>.<ts>.<pending> (v1), or with domain and
    // account hash after ACK and a token at the end (v2).
    const t = this.#reply.split('.');
    const base = t.length >= 12 ? 4 : 2;
    this.deliveryCount = Number(t[base + 2]);
    this.streamSequence = Number(t[base + 3]);
  }

  ack(): void { this.nc.publish(this.#reply, '+ACK'); }
  /** Ack and wait until the server confirms it. */
  async ackAck(timeoutMs = 5_000): Promise<void> {
    await this.nc.request(this.#reply, '+ACK', { timeout: timeoutMs });
  }
  nak(delayMs?: number): void {
    this.nc.publish(this.#reply, delayMs ? `-NAK ${JSON.stringify({ delay: nanos(delayMs) })}` : '-NAK');
  }
  term(reason?: string): void { this.nc.publish(this.#reply, reason ? `+TERM ${reason}` : '+TERM'); }
  working(): void { this.nc.publish(this.#reply, '+WPI'); }
}
