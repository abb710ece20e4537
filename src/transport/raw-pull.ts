import { createInbox, nanos, type Msg, type NatsConnection, type Subscription } from '@nats-io/transport-node';
import type { DocflowError } from '../errors/index.js';
import { MSG_ID_HEADER } from './headers.js';

/** How a pull request ended: filled, or the server's status (404 none, 408 expired, 409 a limit). */
export interface PullEnd {
  status: 'filled' | 'empty' | 'expired' | 'limit' | 'closed';
}

/** What a pull request asks for. */
export interface PullRequestOptions {
  batch: number;
  maxBytes: number;
  expiresMs: number;
  signal?: AbortSignal;
  /** Filled in with how the request ended. */
  end?: PullEnd;
}

/** The request an inbox is serving. */
interface Serving {
  /** When the server drops the request, `Date.now()` ms. */
  expiresAt: number;
  queue: Msg[];
  wake: (() => void) | undefined;
  finished: boolean;
  aborted: boolean;
  end: PullEnd;
}

/**
 * An inbox for JetStream pull requests, sent by hand because the client's `fetch` will not take a
 * message count and a byte count together, and docflow's credit is both. It serves one request at a
 * time and is reused for the next once a request has ended cleanly (filled, or ended by the
 * server's status reply), so that a request costs one publish instead of a subscribe, a publish and
 * an unsubscribe.
 *
 * A request ended early (abort, lost connection) may still be answered by the server, since a pull
 * request cannot be cancelled there: the inbox then takes no further request, and anything still
 * arriving until the request expires is nak'ed with a delay that outlasts it (so it is not handed
 * straight back to it), instead of waiting out its ack timer.
 */
export class PullInbox {
  readonly #sub: Subscription;
  #serving: Serving | undefined;
  /** Set once a request ended early: the inbox only releases late deliveries until this time, then closes. */
  #retiredUntil: number | undefined;

  /** `inboxPrefix`: the connection's (`nats.inboxPrefix`): the deliveries are documents, for this role's eyes only. */
  constructor(private readonly nc: NatsConnection, private readonly stream: string, private readonly consumer: string, inboxPrefix: string) {
    this.#sub = nc.subscribe(createInbox(inboxPrefix), {
      callback: (err, m) => {
        const r = this.#serving;
        if (err) {
          if (r) this.#finish(r, 'closed');
          return;
        }
        if (r === undefined || r.aborted) return this.#release(m, r?.expiresAt);
        r.queue.push(m);
        r.wake?.();
      },
    });
  }

  /** True while it serves a request or releases late deliveries of one that ended early. */
  get busy(): boolean {
    return this.#serving !== undefined || this.#retiredUntil !== undefined;
  }

  /** Usable for another request. */
  get reusable(): boolean {
    return !this.busy && !this.#sub.isClosed();
  }

  /** Takes no request any more (it ended one early, or is closed). */
  get retired(): boolean {
    return this.#retiredUntil !== undefined || this.#sub.isClosed();
  }

  /**
   * Send one pull request and yield what it delivers; ends on the server's status reply, after
   * `batch` messages, or at once on abort. Iterate it to the end (or `return()` it).
   */
  request(opts: PullRequestOptions): AsyncGenerator<RawJsMsg> {
    if (!this.reusable) throw new Error('pull inbox is busy or closed');
    const expiresAt = Date.now() + opts.expiresMs;
    const r: Serving = { expiresAt, queue: [], wake: undefined, finished: false, aborted: opts.signal?.aborted ?? false, end: opts.end ?? { status: 'closed' } };
    // Taken at once, not when iteration starts, so that no second request can pick this inbox meanwhile.
    this.#serving = r;
    return this.#serve(r, opts);
  }

  async *#serve(r: Serving, opts: PullRequestOptions): AsyncGenerator<RawJsMsg> {
    const expiresAt = r.expiresAt;
    let got = 0;
    // The server answers within `expires`; this guard only covers a lost connection.
    const guard = setTimeout(() => this.#finish(r, 'closed'), opts.expiresMs + 2_000);
    guard.unref();
    const onAbort = (): void => { this.#finish(r, 'closed'); };
    opts.signal?.addEventListener('abort', onAbort, { once: true });
    try {
      if (r.aborted) return;
      const req = { batch: opts.batch, max_bytes: opts.maxBytes, expires: nanos(opts.expiresMs) };
      this.nc.publish(`$JS.API.CONSUMER.MSG.NEXT.${this.stream}.${this.consumer}`, JSON.stringify(req), { reply: this.#sub.getSubject() });
      while (!r.finished || r.queue.length > 0) {
        const m = r.queue.shift();
        if (!m) {
          await new Promise<void>((wake) => (r.wake = wake));
          r.wake = undefined;
          continue;
        }
        if (r.aborted) {
          this.#release(m, expiresAt);
          continue;
        }
        if (!m.reply) {
          const code = m.headers?.code ?? 0;
          if (code === 100) continue; // idle heartbeat
          this.#finish(r, code === 404 ? 'empty' : code === 408 ? 'expired' : code === 409 ? 'limit' : 'closed');
          break;
        }
        yield new RawJsMsg(this.nc, m);
        if (++got >= opts.batch) {
          this.#finish(r, 'filled');
          break;
        }
      }
    } finally {
      clearTimeout(guard);
      opts.signal?.removeEventListener('abort', onAbort);
      if (r.end.status === 'closed' || r.aborted) {
        // Ended early: the server may still answer it. Release what arrives until it expires, then close.
        r.aborted = true;
        for (const m of r.queue.splice(0)) this.#release(m, expiresAt);
        this.#retire(expiresAt);
      }
      this.#serving = undefined;
    }
  }

  /** Unsubscribe at once if idle, else once the request it served early has expired. */
  close(): void {
    if (this.#retiredUntil !== undefined) return;
    if (this.#serving === undefined) this.#unsubscribe();
    else this.#finish(this.#serving, 'closed');
  }

  #finish(r: Serving, status: PullEnd['status']): void {
    if (!r.finished) r.end.status = status;
    r.finished = true;
    if (status === 'closed') r.aborted = true;
    r.wake?.();
  }

  #retire(expiresAt: number): void {
    if (this.#retiredUntil !== undefined) return;
    this.#retiredUntil = expiresAt;
    setTimeout(() => this.#unsubscribe(), Math.max(0, expiresAt - Date.now()) + 250).unref();
  }

  /** Nak a delivery nobody will take, with a delay that outlasts the request it answers. */
  #release(m: Msg, expiresAt = this.#retiredUntil ?? Date.now()): void {
    if (m.reply) new RawJsMsg(this.nc, m).nak(Math.max(0, expiresAt - Date.now()) + 250);
  }

  #unsubscribe(): void {
    if (!this.#sub.isClosed()) this.#sub.unsubscribe();
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

/** One message handed to the caller. Exactly one of `message` and `error` is set. */
export interface Delivery<M> {
  readonly subject: string;
  readonly streamSeq: number;
  /** 1 on first delivery. */
  readonly deliveryCount: number;
  readonly msgId: string | undefined;
  /** Bytes counted against the credit. */
  readonly size: number;
  /** Header names lower-cased. */
  readonly headers: Readonly<Record<string, string>>;
  /** The body (claim check resolved when it could be: else empty, with the Docflow-Claim header kept). */
  readonly body: Uint8Array;
  readonly message: M | undefined;
  readonly error: DocflowError | undefined;
  readonly settled: boolean;
  /**
   * Acknowledge. Not confirmed by the server: a lost ack means a redelivery, which the stages make
   * harmless (outputs carry de-duplication ids). Confirming would cost a round trip per message.
   * The credit comes back at once; the ack itself leaves with the consumer's next flush (see
   * `PullConsumer.flushAcks`), a few milliseconds later at most.
   */
  ack(): Promise<void>;
  /** Ask for redelivery after `delayMs`. */
  nak(delayMs?: number): void;
  /** Never redeliver (the reason goes to the log and the dead letter, not to the server). */
  term(reason?: string): void;
  /** Still working: restart the ack timer. */
  working(): void;
}

/** The consumer's side of a delivery. */
export interface DeliveryOwner {
  /** Credit comes back. */
  settled(size: number): void;
  /** Put the ack on the wire (now or with the next flush). */
  ack(m: RawJsMsg): void;
  /** The delay a nak should carry (longer after close: see `nak`). */
  nakDelay(delayMs: number | undefined): number | undefined;
}

/** A delivery of a `PullConsumer`; settling it (once) returns its credit. */
export class PulledDelivery<M> implements Delivery<M> {
  readonly subject: string;
  readonly streamSeq: number;
  readonly deliveryCount: number;
  readonly msgId: string | undefined;
  // Plain members, not #private: PrioritySource derives objects from deliveries with Object.create.
  private done = false;

  constructor(
    private readonly owner: DeliveryOwner,
    private readonly m: RawJsMsg,
    readonly size: number,
    readonly headers: Readonly<Record<string, string>>,
    readonly body: Uint8Array,
    readonly message: M | undefined,
    readonly error: DocflowError | undefined,
  ) {
    this.subject = m.subject;
    this.streamSeq = m.streamSequence;
    this.deliveryCount = m.deliveryCount;
    this.msgId = headers[MSG_ID_HEADER_LC];
  }

  get settled(): boolean { return this.done; }

  async ack(): Promise<void> {
    if (this.settle()) this.owner.ack(this.m);
  }

  // After close our last pull request may still be open on the server: a nak must outlast it,
  // or the message goes straight back to that dead request and loses a delivery attempt.
  nak(delayMs?: number): void {
    if (this.settle()) this.m.nak(this.owner.nakDelay(delayMs));
  }

  term(): void {
    if (this.settle()) this.m.term();
  }

  working(): void {
    if (!this.done) this.m.working();
  }

  private settle(): boolean {
    if (this.done) return false;
    this.done = true;
    this.owner.settled(this.size);
    return true;
  }
}

const MSG_ID_HEADER_LC = MSG_ID_HEADER.toLowerCase();
