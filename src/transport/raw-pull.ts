import { createInbox, nanos, type Msg, type NatsConnection } from '@nats-io/transport-node';

/** How a pull request ended: filled, or the server's status (404 none, 408 expired, 409 a limit). */
export interface PullEnd {
  status: 'filled' | 'empty' | 'expired' | 'limit' | 'closed';
}

/**
 * One JetStream pull request, sent by hand because the client's `fetch` will not take a message
 * count and a byte count together, and docflow's credit is both. Yields the delivered messages and
 * ends on the server's status reply or after `batch`. On abort the iteration ends at once, but the
 * inbox stays open until the request expires: anything still arriving is nak'ed with a delay that
 * outlasts this request (so it is not handed straight back to it), instead of waiting out its ack
 * timer. There is no way to cancel a pull request on the server.
 */
export async function* pullRequest(
  nc: NatsConnection,
  stream: string,
  consumer: string,
  opts: { batch: number; maxBytes: number; expiresMs: number; signal?: AbortSignal; end?: PullEnd },
): AsyncGenerator<RawJsMsg> {
  const end = opts.end ?? { status: 'closed' };
  const queue: Msg[] = [];
  let wake: (() => void) | undefined;
  let finished = false;
  let aborted = opts.signal?.aborted ?? false;
  let got = 0;
  const expiresAt = Date.now() + opts.expiresMs;
  const release = (m: Msg): void => {
    if (m.reply) new RawJsMsg(nc, m).nak(Math.max(0, expiresAt - Date.now()) + 250);
  };
  const sub = nc.subscribe(createInbox(), {
    callback: (err, m) => {
      if (err) return finish('closed');
      if (aborted) return release(m);
      queue.push(m);
      wake?.();
    },
  });
  // The server answers within `expires`; this guard only covers a lost connection.
  const guard = setTimeout(() => { sub.unsubscribe(); finish('closed'); }, opts.expiresMs + 2_000);
  guard.unref();
  function finish(status: PullEnd['status']): void {
    if (!finished) end.status = status;
    finished = true;
    wake?.();
  }
  const onAbort = () => { aborted = true; finish('closed'); };
  opts.signal?.addEventListener('abort', onAbort, { once: true });
  try {
    if (aborted) return;
    const req = { batch: opts.batch, max_bytes: opts.maxBytes, expires: nanos(opts.expiresMs) };
    nc.publish(`$JS.API.CONSUMER.MSG.NEXT.${stream}.${consumer}`, JSON.stringify(req), { reply: sub.getSubject() });
    while (!finished || queue.length > 0) {
      const m = queue.shift();
      if (!m) {
        await new Promise<void>((r) => (wake = r));
        wake = undefined;
        continue;
      }
      if (aborted) {
        release(m);
        continue;
      }
      if (!m.reply) {
        const code = m.headers?.code ?? 0;
        if (code === 100) continue; // idle heartbeat
        finish(code === 404 ? 'empty' : code === 408 ? 'expired' : code === 409 ? 'limit' : 'closed');
        break;
      }
      yield new RawJsMsg(nc, m);
      if (++got >= opts.batch) {
        finish('filled');
        break;
      }
    }
  } finally {
    opts.signal?.removeEventListener('abort', onAbort);
    if (end.status === 'filled' || end.status === 'empty' || end.status === 'limit' || end.status === 'expired') {
      clearTimeout(guard);
      sub.unsubscribe();
    } else {
      // Closed early: keep listening until the request expires, nak'ing late deliveries.
      aborted = true;
      for (const m of queue.splice(0)) release(m);
    }
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
  nak(delayMs?: number): void {
    this.nc.publish(this.#reply, delayMs ? `-NAK ${JSON.stringify({ delay: nanos(delayMs) })}` : '-NAK');
  }
  /** Never redeliver. (A reason after `+TERM` needs nats-server 2.10.4; 2.9 ignores such a term.) */
  term(): void { this.nc.publish(this.#reply, '+TERM'); }
  working(): void { this.nc.publish(this.#reply, '+WPI'); }
}
