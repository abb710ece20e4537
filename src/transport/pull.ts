import type { NatsConnection } from '@nats-io/transport-node';
import type { Codec } from '../codec/index.js';
import type { MessageKind, MessageOf } from '../messages/index.js';
import { toDocflowError, type DocflowError } from '../errors/index.js';
import type { Logger } from '../log.js';
import type { ClaimCheck } from './claim-check.js';
import { readHeaders } from './headers.js';
import { PulledDelivery, PullInbox, type Delivery, type DeliveryOwner, type PullEnd, type RawJsMsg } from './raw-pull.js';

/** How much a pull consumer may hold at once: messages and bytes handed out but not yet settled. */
export interface Credit {
  /** Messages in flight at most. */
  maxMessages: number;
  /** Bytes in flight at most (one message larger than this is still taken when nothing is in flight). */
  maxBytes: number;
}

export type { Delivery } from './raw-pull.js';

export interface PullOptions {
  credit: Credit;
  /** How long one pull request waits on an empty stream (also bounds how long a nak after close is delayed). @defaultValue 2000 */
  expiresMs?: number;
  /** Largest message the server accepts, so that one can always be taken. */
  maxPayload: number;
  /** Prefix of the pull requests' inboxes, where the messages are delivered: the connection's `nats.inboxPrefix`. */
  inboxPrefix: string;
}

/** Pull requests open at once: one being filled and one asked ahead. */
const MAX_OPEN_REQUESTS = 2;
/** Credit below the batching threshold is still asked for after this long, ms. */
const LINGER_MS = 5;
/** Longest an ack waits to share a socket write with the caller's next publish (see `flushAcks`), ms. */
const ACK_DELAY_MS = 5;

/** One open pull request: what it may still bring, so that it counts against the credit. */
interface OpenRequest {
  batch: number;
  maxBytes: number;
  got: number;
  gotBytes: number;
  end: PullEnd;
}

/**
 * A durable pull consumer that requests only what its credit allows: a slow caller leaves the
 * backlog in JetStream instead of in memory. Credit is returned when a delivery is settled.
 *
 * Held messages plus what open requests may still bring never exceed the credit. Under load it asks
 * in batches of half the credit or more, and asks again while the previous batch is still being
 * worked on, so that the caller does not wait a round trip for its next message and the server
 * sees few requests. A smaller remainder is asked for after a few milliseconds.
 */
export class PullConsumer<K extends MessageKind> implements AsyncIterable<Delivery<MessageOf<K>>> {
  #credit: Credit;
  #inFlight = 0;
  #inFlightBytes = 0;
  #closed = false;
  readonly #stop = new AbortController();
  readonly #open = new Set<OpenRequest>();
  /** Inboxes for pull requests, reused from one request to the next. */
  #inboxes: PullInbox[] = [];
  /** Delivered messages not yet taken by the iterator (they count as in flight). */
  readonly #ready: Array<Delivery<MessageOf<K>>> = [];
  #requestExpiresAt = 0;
  #wake: (() => void) | undefined;
  #linger: NodeJS.Timeout | undefined;
  /** No request before this time (`Date.now()` ms): after a failure or a limit with nothing held. */
  #quietUntil = 0;
  /** The last request hit the byte credit: ask again only once something is settled. */
  #bytesBlocked = false;
  /** Since a message did not fit its request's share of the byte credit: ask with all that is free. */
  #wholeBytes = false;
  #failures = 0;
  /** Acks of settled deliveries not yet written (see `flushAcks`). */
  #acks: RawJsMsg[] = [];
  #ackTimer: NodeJS.Timeout | undefined;
  readonly #expiresMs: number;

  constructor(
    private readonly nc: NatsConnection,
    private readonly stream: string,
    private readonly consumerName: string,
    private readonly kind: K,
    private readonly codec: Codec,
    private readonly claims: ClaimCheck,
    private readonly log: Logger,
    private readonly opts: PullOptions,
  ) {
    this.#credit = validCredit(opts.credit);
    this.#expiresMs = opts.expiresMs ?? 2_000;
  }

  get inFlight(): number { return this.#inFlight; }
  get inFlightBytes(): number { return this.#inFlightBytes; }
  get credit(): Readonly<Credit> { return this.#credit; }

  /** Change the credit while running (tuning, memory pressure); a smaller credit applies as work settles. */
  setCredit(credit: Credit): void {
    this.#credit = validCredit(credit);
    this.#request();
  }

  /**
   * Send the acks of deliveries acked since the last flush. An ack returns its credit at once, but
   * goes on the wire when the caller next publishes (it calls this right after starting a publish,
   * so that both leave in one socket write and wake the server once), or within a few milliseconds.
   */
  flushAcks(): void {
    clearTimeout(this.#ackTimer);
    this.#ackTimer = undefined;
    if (this.#acks.length === 0) return;
    const acks = this.#acks;
    this.#acks = [];
    for (const m of acks) m.ack();
  }

  /** Stop pulling; the iterator ends. Unsettled deliveries stay the caller's to settle. */
  async close(): Promise<void> {
    this.flushAcks();
    this.#closed = true;
    clearTimeout(this.#linger);
    this.#linger = undefined;
    this.#signal();
    this.#stop.abort();
    for (const inbox of this.#inboxes) inbox.close();
  }

  async *[Symbol.asyncIterator](): AsyncIterator<Delivery<MessageOf<K>>> {
    this.#request();
    try {
      while (!this.#closed) {
        const d = this.#ready.shift();
        if (d !== undefined) {
          yield d;
          continue;
        }
        await new Promise<void>((r) => (this.#wake = r));
      }
    } finally {
      // Delivered but never handed out: back to JetStream.
      for (const d of this.#ready.splice(0)) d.nak();
    }
  }

  /**
   * Ask for more if the credit allows and it is worth a request now (half the message credit is free,
   * or nothing is held or asked for), else arm the linger timer; `lingered` asks for any remainder.
   */
  #request(lingered = false): void {
    if (this.#closed || this.#open.size >= MAX_OPEN_REQUESTS) return;
    const wait = this.#quietUntil - Date.now();
    if (wait > 0) return this.#armLinger(wait);
    let reservedMsgs = 0;
    let reservedBytes = 0;
    for (const r of this.#open) {
      reservedMsgs += r.batch - r.got;
      reservedBytes += Math.max(0, r.maxBytes - r.gotBytes);
    }
    const c = this.#credit;
    const freeMsgs = c.maxMessages - this.#inFlight - reservedMsgs;
    const freeBytes = c.maxBytes - this.#inFlightBytes - reservedBytes;
    const idle = this.#inFlight === 0 && this.#open.size === 0;
    const large = this.opts.maxPayload + 4_096;
    // Nothing held: take one message whatever its size, so a body larger than the byte credit still moves.
    if (idle && freeBytes < large) return this.#send(1, large);
    if (freeMsgs < 1 || freeBytes < 1 || this.#bytesBlocked) return;
    if (!idle && !lingered && freeMsgs < Math.ceil(c.maxMessages / 2)) return this.#armLinger(LINGER_MS);
    // Bytes in proportion to the messages asked for, so that a request asked ahead finds bytes left;
    // all that is free when nothing is held, or after a message did not fit its share.
    const share = idle || this.#wholeBytes ? freeBytes : Math.min(freeBytes, Math.ceil((c.maxBytes * freeMsgs) / c.maxMessages));
    this.#send(freeMsgs, share);
  }

  #armLinger(ms: number): void {
    if (this.#linger !== undefined || this.#closed) return;
    this.#linger = setTimeout(() => {
      this.#linger = undefined;
      this.#request(true);
    }, ms);
  }

  #send(batch: number, maxBytes: number): void {
    clearTimeout(this.#linger);
    this.#linger = undefined;
    // The server counts unacked messages too: let it see the acks before the request.
    this.flushAcks();
    const req: OpenRequest = { batch, maxBytes, got: 0, gotBytes: 0, end: { status: 'closed' } };
    this.#open.add(req);
    this.#requestExpiresAt = Date.now() + this.#expiresMs;
    void this.#run(req);
  }

  async #run(req: OpenRequest): Promise<void> {
    try {
      const msgs = this.#inbox().request({ batch: req.batch, maxBytes: req.maxBytes, expiresMs: this.#expiresMs, signal: this.#stop.signal, end: req.end });
      for await (const m of msgs) {
        this.#failures = 0;
        req.got++;
        req.gotBytes += m.data.length + 256;
        const d = await this.#deliver(m);
        if (this.#closed) {
          d.nak();
          continue;
        }
        this.#ready.push(d);
        this.#signal();
      }
      // The next message did not fit (409): wait until some credit comes back, or a while if none is held.
      if (req.got === 0 && req.end.status === 'limit') {
        this.#wholeBytes = true;
        if (this.#inFlight > 0) this.#bytesBlocked = true;
        else this.#quietUntil = Date.now() + 100; // another limit (e.g. max ack pending across workers): do not spin
      } else if (req.got > 0) {
        this.#wholeBytes = false;
      }
    } catch (err) {
      if (!this.#closed) {
        this.#failures++;
        const waitMs = Math.min(5_000, 100 * 2 ** Math.min(this.#failures, 6));
        this.log.warn({ err: toDocflowError(err).toInfo(), waitMs }, 'pull failed; retrying');
        this.#quietUntil = Date.now() + waitMs;
      }
    } finally {
      this.#open.delete(req);
      this.#request();
    }
  }

  /** An idle inbox, or a new one (one that ended a request early is dropped: it closes by itself). */
  #inbox(): PullInbox {
    this.#inboxes = this.#inboxes.filter((i) => !i.retired);
    let inbox = this.#inboxes.find((i) => i.reusable);
    if (inbox === undefined) {
      inbox = new PullInbox(this.nc, this.stream, this.consumerName, this.opts.inboxPrefix);
      this.#inboxes.push(inbox);
    }
    return inbox;
  }

  async #deliver(m: RawJsMsg): Promise<Delivery<MessageOf<K>>> {
    const headers = readHeaders(m.headers);
    const size = m.data.length + 256;
    this.#inFlight++;
    this.#inFlightBytes += size;
    let body: Uint8Array = m.data;
    let message: MessageOf<K> | undefined;
    let error: DocflowError | undefined;
    try {
      const stored = this.claims.bodyOf(m.data, headers, this.codec.options.maxBodyBytes);
      body = stored instanceof Uint8Array ? stored : await stored; // no await, no extra microtask, for a body that came inline
      message = this.codec.decode(this.kind, body, headers) as MessageOf<K>;
    } catch (err) {
      error = toDocflowError(err);
    }
    return new PulledDelivery<MessageOf<K>>(this.#owner, m, size, headers, body, message, error);
  }

  /** What a delivery needs of its consumer, without a closure per message. */
  readonly #owner: DeliveryOwner = {
    settled: (size) => {
      this.#inFlight--;
      this.#inFlightBytes -= size;
      this.#bytesBlocked = false;
      this.#request();
    },
    ack: (m) => {
      if (this.#closed) return m.ack();
      this.#acks.push(m);
      this.#ackTimer ??= setTimeout(() => this.flushAcks(), ACK_DELAY_MS);
    },
    nakDelay: (delayMs) => (this.#closed ? Math.max(delayMs ?? 0, this.#requestExpiresAt - Date.now() + 250) : delayMs),
  };

  #signal(): void {
    const w = this.#wake;
    this.#wake = undefined;
    w?.();
  }
}

function validCredit(c: Credit): Credit {
  if (!Number.isInteger(c.maxMessages) || c.maxMessages < 1) throw new TypeError('credit.maxMessages must be a positive integer');
  if (!Number.isInteger(c.maxBytes) || c.maxBytes < 1) throw new TypeError('credit.maxBytes must be a positive integer');
  return { maxMessages: c.maxMessages, maxBytes: c.maxBytes };
}
