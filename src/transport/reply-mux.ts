import { createInbox, NoRespondersError, PermissionViolationError, TimeoutError, type Msg, type MsgHdrs, type NatsConnection, type Subscription } from '@nats-io/transport-node';
import { TransportError } from '../errors/index.js';

/** A request waiting for its reply. */
interface Waiter {
  /** Where the request went: a publish refused there fails it. */
  subject: string;
  resolve(reply: Msg): void;
  reject(err: unknown): void;
  /** `performance.now()` ms after which it fails with a `TimeoutError`. */
  deadline: number;
}

/** How often pending requests are checked for their deadline, ms (a timeout fires up to this late). */
const SWEEP_MS = 50;

/**
 * Request/reply on the hot path (query requests, JetStream publishes), without the client's request
 * machinery: one wildcard reply subscription per connection instead of a mux entry and a timer per
 * request, one sweeping timer for all deadlines, and no Error built for a request that succeeds.
 * nats.js (`nc.request`, `RequestOne`) builds one per request even with `noAsyncTraces`, with a
 * stack trace: about 20 µs of CPU here, measured by an A/B on `bench:queries`' relations workload.
 *
 * Failures match the client's, so callers map them the same way:
 * - `TimeoutError` when no reply came in time;
 * - `NoRespondersError` when nothing listens on the subject (the server's 503 status reply);
 * - `PermissionViolationError` when the server refuses the publish (the connection's `-ERR`, which
 *   nats.js reports as a status event) or the reply subscription;
 * - `TransportError` ERR_TRANSPORT_CLOSED when the connection closes first.
 */
export class ReplyMux {
  readonly #prefix: string;
  readonly #pending = new Map<string, Waiter>();
  #next = 0;
  #sub: Subscription | undefined;
  #sweep: NodeJS.Timeout | undefined;

  /** `inboxPrefix`: the connection's (`nats.inboxPrefix`), so that replies arrive where this role may subscribe. */
  constructor(private readonly nc: NatsConnection, inboxPrefix: string) {
    this.#prefix = `${createInbox(inboxPrefix)}.`;
    void nc.closed().then(() => this.#failAll(new TransportError('ERR_TRANSPORT_CLOSED', 'the NATS connection closed before the reply came')));
    void this.#watchRefusals();
  }

  /** Requests waiting for their reply. */
  get pending(): number {
    return this.#pending.size;
  }

  /** Publish `body` to `subject` with a reply subject of this mux; resolves with the first reply. */
  request(subject: string, body: Uint8Array, headers: MsgHdrs | undefined, timeoutMs: number): Promise<Msg> {
    return new Promise<Msg>((resolve, reject) => {
      const token = (this.#next++).toString(36);
      try {
        // Subscribed before the publish on the same connection, so the server has the subscription first.
        this.#sub ??= this.nc.subscribe(`${this.#prefix}*`, { callback: (err, m) => (err ? this.#lost(err) : this.#reply(m)) });
        this.nc.publish(subject, body, headers === undefined ? { reply: this.#prefix + token } : { reply: this.#prefix + token, headers });
      } catch (err) {
        reject(err);
        return;
      }
      // A reply cannot arrive before this: it comes in a later read from the socket.
      this.#pending.set(token, { subject, resolve, reject, deadline: performance.now() + timeoutMs });
      this.#sweep ??= setInterval(() => this.#expire(), SWEEP_MS).unref();
    });
  }

  #reply(m: Msg): void {
    const token = m.subject.slice(this.#prefix.length);
    const w = this.#pending.get(token);
    if (w === undefined) return; // timed out already
    this.#pending.delete(token);
    if (m.data.length === 0 && m.headers?.code === 503) w.reject(new NoRespondersError(w.subject));
    else w.resolve(m);
  }

  /** The server refused the reply subscription (nats.js closes it): fail what waits, subscribe again on the next request. */
  #lost(err: Error): void {
    this.#sub = undefined;
    this.#failAll(err);
  }

  /** A publish the server refused fails the requests sent to that subject, at once rather than at their timeout. */
  async #watchRefusals(): Promise<void> {
    for await (const s of this.nc.status()) {
      if (s.type !== 'error' || !(s.error instanceof PermissionViolationError) || s.error.operation !== 'publish') continue;
      for (const [token, w] of this.#pending) {
        if (w.subject !== s.error.subject) continue;
        this.#pending.delete(token);
        w.reject(s.error);
      }
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
