import type { NatsConnection } from '@nats-io/transport-node';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Codec } from '../codec/index.js';
import type { MessageKind, MessageOf } from '../messages/index.js';
import { toDocflowError, type DocflowError } from '../errors/index.js';
import type { Logger } from '../log.js';
import type { ClaimCheck } from './claim-check.js';
import { CLAIM_HEADER, MSG_ID_HEADER, readHeaders } from './headers.js';
import { pullRequest, type PullEnd, type RawJsMsg } from './raw-pull.js';

/** How much a pull consumer may hold at once: messages and bytes handed out but not yet settled. */
export interface Credit {
  /** Messages in flight at most. */
  maxMessages: number;
  /** Bytes in flight at most (one message larger than this is still taken when nothing is in flight). */
  maxBytes: number;
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
   */
  ack(): Promise<void>;
  /** Ask for redelivery after `delayMs`. */
  nak(delayMs?: number): void;
  /** Never redeliver (the reason goes to the log and the dead letter, not to the server). */
  term(reason?: string): void;
  /** Still working: restart the ack timer. */
  working(): void;
}

export interface PullOptions {
  credit: Credit;
  /** How long one pull request waits on an empty stream (also bounds how long a nak after close is delayed). @defaultValue 2000 */
  expiresMs?: number;
  /** Largest message the server accepts, so that one can always be taken. */
  maxPayload: number;
}

/**
 * A durable pull consumer that requests only what its credit allows: a slow caller leaves the
 * backlog in JetStream instead of in memory. Credit is returned when a delivery is settled.
 */
export class PullConsumer<K extends MessageKind> implements AsyncIterable<Delivery<MessageOf<K>>> {
  #credit: Credit;
  #inFlight = 0;
  #inFlightBytes = 0;
  #closed = false;
  readonly #stop = new AbortController();
  #requestExpiresAt = 0;
  #wake: (() => void) | undefined;
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
    this.#signal();
  }

  /** Stop pulling; the iterator ends. Unsettled deliveries stay the caller's to settle. */
  async close(): Promise<void> {
    this.#closed = true;
    this.#signal();
    this.#stop.abort();
  }

  async *[Symbol.asyncIterator](): AsyncIterator<Delivery<MessageOf<K>>> {
    let failures = 0;
    while (!this.#closed) {
      await this.#waitForCredit();
      if (this.#closed) break;
      const roomBytes = this.#credit.maxBytes - this.#inFlightBytes;
      // Nothing in flight: take one message whatever its size, so a body larger than the byte
      // credit still moves. Otherwise ask for what fits in both credits.
      const single = this.#inFlight === 0 && roomBytes < this.opts.maxPayload + 4_096;
      const batch = single ? 1 : this.#credit.maxMessages - this.#inFlight;
      const maxBytes = single ? this.opts.maxPayload + 4_096 : roomBytes;
      try {
        let got = 0;
        const end: PullEnd = { status: 'closed' };
        this.#requestExpiresAt = Date.now() + this.#expiresMs;
        const msgs = pullRequest(this.nc, this.stream, this.consumerName, { batch, maxBytes, expiresMs: this.#expiresMs, signal: this.#stop.signal, end });
        for await (const m of msgs) {
          failures = 0;
          got++;
          yield await this.#deliver(m);
          if (this.#closed) break;
        }
        // The next message did not fit the byte credit (409): wait until some of it comes back.
        if (got === 0 && end.status === 'limit') {
          if (this.#inFlight > 0) await this.#waitForSettle();
          else await sleep(100); // another limit (e.g. max ack pending across workers): do not spin
        }
      } catch (err) {
        if (this.#closed) break;
        failures++;
        const waitMs = Math.min(5_000, 100 * 2 ** Math.min(failures, 6));
        this.log.warn({ err: toDocflowError(err).toInfo(), waitMs }, 'pull failed; retrying');
        await sleep(waitMs);
      }
    }
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
      const ref = headers[CLAIM_HEADER.toLowerCase()];
      if (ref !== undefined) body = await this.claims.fetch(ref, this.codec.options.maxBodyBytes);
      message = this.codec.decode(this.kind, body, headers) as MessageOf<K>;
    } catch (err) {
      error = toDocflowError(err);
    }
    let settled = false;
    const settle = (): boolean => {
      if (settled) return false;
      settled = true;
      this.#inFlight--;
      this.#inFlightBytes -= size;
      this.#signal();
      return true;
    };
    return {
      subject: m.subject,
      streamSeq: m.streamSequence,
      deliveryCount: m.deliveryCount,
      msgId: headers[MSG_ID_HEADER.toLowerCase()],
      size,
      headers,
      body,
      message,
      error,
      get settled() { return settled; },
      ack: async () => {
        if (!settle()) return;
        m.ack();
      },
      // After close our last pull request may still be open on the server: a nak must outlast it,
      // or the message goes straight back to that dead request and loses a delivery attempt.
      nak: (delayMs?: number) => { if (settle()) m.nak(this.#closed ? Math.max(delayMs ?? 0, this.#requestExpiresAt - Date.now() + 250) : delayMs); },
      term: () => { if (settle()) m.term(); },
      working: () => { if (!settled) m.working(); },
    };
  }

  #hasCredit(): boolean {
    return this.#inFlight < this.#credit.maxMessages && (this.#inFlight === 0 || this.#inFlightBytes < this.#credit.maxBytes);
  }

  async #waitForSettle(): Promise<void> {
    if (!this.#closed) await new Promise<void>((r) => (this.#wake = r));
  }

  async #waitForCredit(): Promise<void> {
    while (!this.#closed && !this.#hasCredit()) await new Promise<void>((r) => (this.#wake = r));
  }

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
