import { NoRespondersError, TimeoutError, type NatsConnection, type Msg } from '@nats-io/transport-node';
import { jetstream, jetstreamManager, RetentionPolicy, type JetStreamClient, type JetStreamManager, type MsgRequest, type NextMsgRequest, type PubAck } from '@nats-io/jetstream';
import { Codec } from '../codec/index.js';
import type { Config } from '../config/load.js';
import { streamName, subject as fullSubject } from '../config/load.js';
import { TransportError, toDocflowError, type DocflowError } from '../errors/index.js';
import { silentLogger, type Logger } from '../log.js';
import type { MessageKind, MessageOf } from '../messages/index.js';
import { ClaimCheck } from './claim-check.js';
import { connectNats, inboxRefused } from './connect.js';
import { CLAIM_HEADER, readHeaders, writeHeaders } from './headers.js';
import { PullConsumer, type Credit } from './pull.js';
import { serveEndpoints, requestReply, requestAllReplies, type Answer, type EndpointDef, type ServiceHandle, type ServiceDef } from './services.js';
import { ensureTopology, type TopologyReport } from './topology.js';
import { JsPublisher } from './js-publish.js';
import { ReplyMux } from './reply-mux.js';
import { getStored, type StoredMessage } from './stored.js';
import { Window } from './window.js';

export type TransportConfig = Pick<Config, 'subjectPrefix' | 'nats' | 'codec' | 'transport' | 'streams' | 'consumers'>;

export interface PublishOptions {
  /** Sets `Nats-Msg-Id`: JetStream drops a repeat inside the stream's duplicate window. */
  msgId?: string;
  headers?: Record<string, string>;
  signal?: AbortSignal;
}

/** Sequences looked at one by one per removeAckedLeftovers call when the subject index misses (see there). */
const LEFTOVER_SCAN_LIMIT = 5_000;

/**
 * The only door to NATS. Everything above it speaks in message kinds and subjects; the transport
 * encodes, applies the publish window and the claim check, pulls within credit, and serves requests.
 */
export class Transport implements AsyncDisposable {
  readonly codec: Codec;
  readonly #window: Window;
  readonly #claims: ClaimCheck;
  readonly #publisher: JsPublisher;
  /** Replies to this connection's requests and JetStream publishes. */
  readonly #replies: ReplyMux;
  readonly #pulls = new Set<PullConsumer<MessageKind>>();
  readonly #services = new Set<ServiceHandle>();
  #closing: Promise<void> | undefined;

  private constructor(
    readonly nc: NatsConnection,
    readonly js: JetStreamClient,
    readonly jsm: JetStreamManager,
    readonly config: TransportConfig,
    readonly log: Logger,
  ) {
    this.codec = new Codec(config.codec);
    this.#window = new Window(config.transport.publishWindow);
    this.#claims = new ClaimCheck(nc, config.transport.claimCheck.bucket, config.transport.claimCheck.ttlMs);
    this.#replies = new ReplyMux(nc, config.nats.inboxPrefix);
    this.#publisher = new JsPublisher(this.#replies);
  }

  /** Connect to `servers` (default: config.nats.servers) and watch the connection's status. */
  static async connect(config: TransportConfig, opts: { servers?: readonly string[]; log?: Logger } = {}): Promise<Transport> {
    const log = opts.log ?? silentLogger;
    const servers = opts.servers ?? config.nats.servers;
    if (servers.length === 0) throw new TransportError('ERR_TRANSPORT_CONNECT', 'no NATS server to connect to: set nats.servers (DOCFLOW_NATS_URL) or run `docflow up`');
    const nc = await connectNats({ ...config.nats, servers });
    let jsm: JetStreamManager;
    try {
      // The connection's first request (`$JS.API.INFO`): where an inbox prefix the user may not
      // subscribe to shows.
      jsm = await jetstreamManager(nc);
    } catch (cause) {
      // Left open, the connection would keep a command's process alive after the error.
      await nc.close().catch(() => undefined);
      throw inboxRefused(cause, config.nats.inboxPrefix) ?? cause;
    }
    const t = new Transport(nc, jetstream(nc), jsm, config, log);
    void t.#watchStatus();
    log.debug({ server: nc.getServer() }, 'connected to NATS');
    return t;
  }

  /** The full subject for one relative to the prefix. */
  subject(rel: string): string {
    return fullSubject(this.config, rel);
  }

  /** Largest body that travels inline; above it, the claim check. */
  get inlineLimit(): number {
    const configured = this.config.transport.claimCheck.thresholdBytes;
    const server = (this.nc.info?.max_payload ?? 1_048_576) - 8_192;
    return configured > 0 ? Math.min(configured, server) : server;
  }

  /** Create or update the configured streams and consumers (idempotent). */
  ensureTopology(): Promise<TopologyReport> {
    return ensureTopology(this.jsm, this.config);
  }

  /**
   * Publish to JetStream once a slot of the publish window is free. Resolves when the message is
   * sent, with `acked` settling when JetStream stores it (the slot is then released). Await `send`
   * to stream many messages with bounded memory; always handle `acked`.
   */
  async send<K extends MessageKind>(subject: string, kind: K, msg: MessageOf<K>, opts: PublishOptions = {}): Promise<{ acked: Promise<PubAck> }> {
    const enc = this.codec.encode(kind, msg);
    await this.#window.acquire(opts.signal);
    try {
      let body = enc.body;
      const headers: Record<string, string> = { ...enc.headers, ...opts.headers };
      if (body.length > this.inlineLimit) {
        headers[CLAIM_HEADER] = await this.#claims.store(body);
        body = new Uint8Array(0);
      }
      const acked = this.#publishWithRetry(subject, body, headers, opts.msgId)
        .finally(() => this.#window.release());
      return { acked };
    } catch (err) {
      this.#window.release();
      throw toDocflowError(err);
    }
  }

  /**
   * JetStream publish, retried on a timeout or a missing stream responder until publishTimeoutMs has
   * passed: right after a server restart the stream may not answer yet. With a msgId a retry can
   * never store the message twice.
   */
  async #publishWithRetry(subject: string, body: Uint8Array, headers: Record<string, string>, msgId: string | undefined): Promise<PubAck> {
    const deadline = Date.now() + this.config.transport.publishTimeoutMs;
    for (let attempt = 0; ; attempt++) {
      const timeout = Math.max(100, Math.min(2_000, deadline - Date.now()));
      try {
        return await this.#publisher.publish(subject, body, headers, msgId, timeout);
      } catch (cause) {
        const transient = cause instanceof TimeoutError || cause instanceof NoRespondersError || /timeout|no responders|503/i.test(String((cause as Error)?.message));
        if (!transient || Date.now() + 100 >= deadline || this.nc.isClosed()) {
          throw new TransportError('ERR_TRANSPORT_PUBLISH', `JetStream did not store the message on ${subject}: ${(cause as Error).message}`, { cause });
        }
        await new Promise((r) => setTimeout(r, Math.min(1_000, 50 * 2 ** attempt)));
      }
    }
  }

  /**
   * Publish bytes already encoded (e.g. a dead letter's original, replayed) and wait for the ack.
   * A body larger than the server takes goes by claim check, like any other.
   */
  async publishRaw(subject: string, body: Uint8Array, headers: Record<string, string>, opts: { msgId?: string } = {}): Promise<PubAck> {
    await this.#window.acquire();
    try {
      const h = { ...headers };
      let b = body;
      if (b.length > this.inlineLimit) {
        h[CLAIM_HEADER] = await this.#claims.store(b);
        b = new Uint8Array(0);
      }
      return await this.#publishWithRetry(subject, b, h, opts.msgId);
    } finally {
      this.#window.release();
    }
  }

  /** Sequence range of a configured stream (first and last; `messages` = 0 when empty). */
  async streamRange(streamKey: string): Promise<{ first: number; last: number; messages: number }> {
    const info = await this.jsm.streams.info(streamName(this.config, streamKey));
    return { first: info.state.first_seq, last: info.state.last_seq, messages: info.state.messages };
  }

  /** Publish to JetStream and wait for the ack. */
  async publish<K extends MessageKind>(subject: string, kind: K, msg: MessageOf<K>, opts: PublishOptions = {}): Promise<PubAck> {
    return (await this.send(subject, kind, msg, opts)).acked;
  }

  /** Core NATS publish (no persistence, no ack): for events whose loss is harmless. */
  publishCore<K extends MessageKind>(subject: string, kind: K, msg: MessageOf<K>): void {
    const enc = this.codec.encode(kind, msg);
    this.nc.publish(subject, enc.body, { headers: writeHeaders(enc.headers) });
  }

  /** Publishes waiting for their ack right now, and the window size. */
  get publishWindow(): { inUse: number; size: number; waiting: number } {
    return { inUse: this.#window.inUse, size: this.#window.size, waiting: this.#window.waiting };
  }

  /** Pull from a configured durable consumer within `credit`. */
  async pull<K extends MessageKind>(consumerKey: string, kind: K, credit: Credit, opts: { expiresMs?: number } = {}): Promise<PullConsumer<K>> {
    const pull = new PullConsumer(this.nc, this.#streamOf(consumerKey), consumerKey, kind, this.codec, this.#claims, this.log, {
      credit,
      maxPayload: this.nc.info?.max_payload ?? 1_048_576,
      inboxPrefix: this.config.nats.inboxPrefix,
      ...(opts.expiresMs !== undefined ? { expiresMs: opts.expiresMs } : {}),
    });
    this.#pulls.add(pull as unknown as PullConsumer<MessageKind>);
    return pull;
  }

  /** Plain subscription (e.g. results): decoded messages, or the decode error, per message. */
  async *subscribe<K extends MessageKind>(subject: string, kind: K, opts: { signal?: AbortSignal } = {}): AsyncGenerator<{ subject: string; message?: MessageOf<K>; error?: DocflowError }> {
    const sub = this.nc.subscribe(subject);
    opts.signal?.addEventListener('abort', () => sub.unsubscribe(), { once: true });
    try {
      for await (const m of sub) yield await this.#decodeMsg(kind, m);
    } finally {
      sub.unsubscribe(); // also when the caller stops iterating early
    }
  }

  /** Round trip to the server: everything sent before (e.g. a new subscription) has reached it. */
  async flush(): Promise<void> {
    await this.nc.flush();
  }

  /** Serve request/reply endpoints as a NATS micro-service. */
  async serve(def: ServiceDef, endpoints: EndpointDef[]): Promise<ServiceHandle> {
    const handle = await serveEndpoints(this.nc, this.codec, this.log, def, endpoints);
    this.#services.add(handle);
    return handle;
  }

  /** Request/reply: an error reply is thrown as the DocflowError it carries. */
  request<Q extends MessageKind, R extends MessageKind>(subject: string, requestKind: Q, req: MessageOf<Q>, replyKind: R, opts: { timeoutMs?: number } = {}): Promise<MessageOf<R>> {
    return requestReply(this.#replies, this.codec, subject, requestKind, req, replyKind, opts.timeoutMs ?? this.config.transport.requestTimeoutMs);
  }

  /**
   * A request every instance of a service answers (`EndpointDef.queue` unique per instance): the
   * answers that came until none did for `stallMs` (default 100) after the last, or `maxWaitMs`
   * (default: half the request timeout) in all. Nothing listening gives an empty list.
   */
  requestAll<Q extends MessageKind, R extends MessageKind>(subject: string, requestKind: Q, req: MessageOf<Q>, replyKind: R, opts: { stallMs?: number; maxWaitMs?: number } = {}): Promise<Array<Answer<MessageOf<R>>>> {
    return requestAllReplies(this.nc, this.codec, subject, requestKind, req, replyKind, {
      stallMs: opts.stallMs ?? 100,
      maxWaitMs: opts.maxWaitMs ?? Math.max(500, Math.floor(this.config.transport.requestTimeoutMs / 2)),
    });
  }

  /** A stored message of a configured stream, by sequence (claim check resolved), or null. */
  async getStored(streamKey: string, seq: number): Promise<StoredMessage | null> {
    const m = await getStored(this.jsm, streamName(this.config, streamKey), seq);
    if (m) m.body = await this.#claims.bodyOf(m.body, m.headers);
    return m;
  }

  /** Remove a stored message (e.g. a dead letter once replayed). */
  async deleteStored(streamKey: string, seq: number): Promise<void> {
    await this.jsm.streams.deleteMessage(streamName(this.config, streamKey), seq).catch(() => false);
  }

  /**
   * Delete the messages of a work-queue consumer that it has already acknowledged but the stream
   * still holds (at or below the consumer's ack floor). A nats-server killed mid-run can come back
   * with such leftovers: its consumer state recorded the acks, the stream's removals were lost. No
   * consumer will ever deliver them again; they only hold disk and count as backlog. Returns how many.
   */
  async removeAckedLeftovers(consumerKey: string): Promise<number> {
    const stream = this.#streamOf(consumerKey);
    const consumer = await this.jsm.consumers.info(stream, consumerKey);
    const floor = consumer.ack_floor.stream_seq;
    const filter = consumer.config.filter_subject ?? '>';
    const info = await this.jsm.streams.info(stream, { subjects_filter: filter });
    const held = Object.values(info.state.subjects ?? {}).reduce((a, b) => a + b, 0);
    if (info.config.retention !== RetentionPolicy.Workqueue || held === 0 || info.state.first_seq > floor) return 0;
    const remove = async (seq: number) => ((await this.jsm.streams.deleteMessage(stream, seq, false).catch(() => false)) ? 1 : 0);
    let removed = 0;
    let found = 0;
    for (let seq = info.state.first_seq; seq <= floor;) {
      // STREAM.MSG.GET takes next_by_subj (nats-server 2.9+); the client's type only lists seq and last_by_subj.
      const next: NextMsgRequest = { next_by_subj: filter, seq };
      const m = await this.jsm.streams.getMessage(stream, next as unknown as MsgRequest).catch(() => null);
      if (!m) break;
      found++;
      if (m.seq > floor) break;
      removed += await remove(m.seq);
      seq = m.seq + 1;
    }
    if (found > 0) return removed;
    // The subject count holds messages that next_by_subj cannot find: after a crash the server's
    // per-subject index can miss some. Look at the sequences one by one, a bounded stretch per call.
    const last = Math.min(floor, info.state.first_seq + LEFTOVER_SCAN_LIMIT);
    for (let seq = info.state.first_seq; seq <= last; seq++) {
      const m = await this.jsm.streams.getMessage(stream, { seq }).catch(() => null);
      if (m && m.subject === filter) removed += await remove(seq); // docflow's consumers filter on one exact subject
    }
    return removed;
  }

  /** Backlog figures of a configured consumer: waiting in the stream, delivered but not acked, redelivered. */
  async consumerFigures(consumerKey: string): Promise<{ pending: number; ackPending: number; redelivered: number }> {
    const info = await this.jsm.consumers.info(this.#streamOf(consumerKey), consumerKey);
    return { pending: info.num_pending, ackPending: info.num_ack_pending, redelivered: info.num_redelivered };
  }

  /** The stream name behind a configured consumer. */
  #streamOf(consumerKey: string): string {
    const c = this.config.consumers[consumerKey];
    if (!c) throw new TransportError('ERR_TRANSPORT_TOPOLOGY', `no consumer "${consumerKey}" in the config`);
    return streamName(this.config, c.stream);
  }

  /** Connection facts for status output. */
  info(): { server: string; connected: boolean; maxPayload: number; jetstream: boolean } {
    return { server: this.nc.getServer(), connected: !this.nc.isClosed(), maxPayload: this.nc.info?.max_payload ?? 0, jetstream: true };
  }

  /** Stop pulls and services, flush, drain the connection. Idempotent. */
  close(): Promise<void> {
    this.#closing ??= (async () => {
      for (const p of this.#pulls) await p.close().catch((err: unknown) => this.log.warn({ err }, 'closing a pull consumer failed'));
      for (const s of this.#services) await s.stop().catch((err: unknown) => this.log.warn({ err }, 'stopping a service failed'));
      this.#window.rejectAll(new TransportError('ERR_TRANSPORT_CLOSED', 'transport closed'));
      if (!this.nc.isClosed()) await this.nc.drain().catch(() => this.nc.close());
    })();
    return this.#closing;
  }

  [Symbol.asyncDispose](): Promise<void> {
    return this.close();
  }

  /** A subscribed message decoded, its body fetched first when it travelled by claim check (e.g. a dead letter of a large document). */
  async #decodeMsg<K extends MessageKind>(kind: K, m: Msg): Promise<{ subject: string; message?: MessageOf<K>; error?: DocflowError }> {
    try {
      const headers = readHeaders(m.headers);
      const stored = this.#claims.bodyOf(m.data, headers, this.codec.options.maxBodyBytes);
      const body = stored instanceof Uint8Array ? stored : await stored; // an inline body without a microtask hop
      return { subject: m.subject, message: this.codec.decode(kind, body, headers) as MessageOf<K> };
    } catch (err) {
      return { subject: m.subject, error: toDocflowError(err) };
    }
  }

  async #watchStatus(): Promise<void> {
    for await (const s of this.nc.status()) {
      if (s.type === 'disconnect' || s.type === 'reconnect' || s.type === 'error') this.log.warn({ event: s.type, server: 'server' in s ? s.server : undefined }, `NATS ${s.type}`);
    }
  }
}

