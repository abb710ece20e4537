import { from, mergeMap, type Subscription } from 'rxjs';
import type { ActorContext, ActorEvent } from '../../actor/types.js';
import { DocflowError, toDocflowError, type ErrorInfo } from '../../errors/index.js';
import type { Logger } from '../../log.js';
import { DeadLetter, Result, type MessageKind, type MessageOf } from '../../messages/index.js';
import type { Delivery, PublishOptions, PullConsumer, Transport } from '../../transport/index.js';
import { PRIORITIES, type Priority } from '../../scheduler/priority.js';
import { levelCredit, PrioritySource } from './priority-source.js';
import { retryDelayMs } from '../../util/backoff.js';
import { RateWindow } from '../../util/rate-window.js';
import type { StageDefinition, StageSettings, StageStats } from './types.js';

type State = 'idle' | 'starting' | 'running' | 'stopping' | 'stopped';

/** A message being handled: how to stop it, and since when it runs (for the timeout sweep). */
interface InFlight {
  /** `performance.now()` when handling began. */
  readonly started: number;
  /** Rejects the actor's work at once (timeout, stop), even if the actor ignores its signal. */
  fail(err: DocflowError): void;
}

/**
 * Runs one stage: pulls from its durable consumer within credit, hands each message to the actor,
 * publishes the outputs, and acks only after JetStream has stored them. Retryable failures are
 * nak'ed with backoff; the rest (and the last attempt) go to `dlq.<stage>` with a `failed` result.
 */
export class StageRunner<In extends MessageKind, Out extends MessageKind> {
  #state: State = 'idle';
  #sub: Subscription | undefined;
  #settings: StageSettings;
  #source: PullConsumer<In> | PrioritySource<In> | undefined;
  #abort = new AbortController();
  #advisories: Array<{ stop(): void }> = [];
  #progress: ReturnType<typeof setInterval> | undefined;
  #sweep: ReturnType<typeof setInterval> | undefined;
  #sweepMs = 0;
  #observer: ((outcome: 'ok' | 'retry' | 'failed', seconds: number) => void) | undefined;
  readonly #inFlight = new Map<Delivery<MessageOf<In>>, InFlight>();
  readonly #window = new RateWindow();
  readonly #counts = { processed: 0, failed: 0, retried: 0, deadLettered: 0 };
  readonly #maxDeliver: number;
  readonly #log: Logger;

  constructor(
    readonly def: StageDefinition<In, Out>,
    private readonly transport: Transport,
    settings: StageSettings,
    log: Logger,
  ) {
    this.#settings = { ...settings };
    this.#log = log.child({ stage: def.name });
    const first = this.#consumerKeys()[0]!;
    const consumer = transport.config.consumers[first];
    if (!consumer) throw new DocflowError('ERR_TRANSPORT_TOPOLOGY', `stage ${def.name}: no consumer "${first}" in the config`);
    this.#maxDeliver = consumer.maxDeliver;
  }

  get name(): string { return this.def.name; }
  get settings(): Readonly<StageSettings> { return this.#settings; }

  /** Start pulling. `crashed` is called if the pipeline itself fails (the supervisor restarts us). */
  async start(ctx: { crashed(err: unknown): void } = { crashed: () => undefined }): Promise<void> {
    this.#state = 'starting';
    // One ticker for all in-flight work: long tasks tell JetStream they are alive, so they are not redelivered.
    this.#startProgress();
    this.#startSweep();
    this.#abort = new AbortController();
    this.#source = await this.#openSource();
    this.#advisories = this.#consumerKeys().map((key) => this.transport.onMaxDeliveries(key, (a) => this.#deadLetterCrashed(a.streamSeq, a.deliveries)));
    // The source yields only within credit, so mergeMap never buffers: credit is the backpressure.
    // A failure outside a message's own handling (which catches all it can) fails the pipeline once.
    this.#sub = from(this.#source)
      .pipe(mergeMap((d) => this.#handle(d)))
      .subscribe({ error: (err: unknown) => ctx.crashed(err) });
    this.#state = 'running';
  }

  /**
   * Drain: stop pulling, let in-flight work finish within the grace period, then abort it and nak
   * what is left so that JetStream redelivers it (to us after a restart, or to another worker).
   */
  async stop(reason = 'stop'): Promise<void> {
    if (this.#state === 'stopped' || this.#state === 'idle') return;
    this.#state = 'stopping';
    this.#log.info({ reason, inFlight: this.#inFlight.size }, 'stage stopping');
    for (const a of this.#advisories.splice(0)) a.stop();
    await this.#source?.close();
    const deadline = Date.now() + this.#settings.drainGraceMs;
    while (this.#inFlight.size > 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    for (const [d, f] of this.#inFlight) {
      f.fail(new DocflowError('ERR_ABORTED', `stage ${this.def.name} ${reason}`));
      d.nak(0);
    }
    this.#inFlight.clear();
    clearInterval(this.#progress);
    this.#progress = undefined;
    clearInterval(this.#sweep);
    this.#sweep = undefined;
    this.#abort.abort();
    this.#sub?.unsubscribe();
    this.#state = 'stopped';
  }

  /** Change settings while running; credit changes apply as in-flight work settles. */
  tune(patch: Partial<StageSettings>): Readonly<StageSettings> {
    const before = this.#settings.progressIntervalMs;
    this.#settings = { ...this.#settings, ...patch };
    if (this.#progress && this.#settings.progressIntervalMs !== before) this.#startProgress();
    if (this.#sweep && sweepPeriodMs(this.#settings.taskTimeoutMs) !== this.#sweepMs) this.#startSweep();
    this.#source?.setCredit(this.#credit());
    return this.#settings;
  }

  stats(): StageStats {
    return { name: this.def.name, state: this.#state, inFlight: this.#inFlight.size, ...this.#counts, rate: this.#window.rate(), meanMs: this.#window.meanMs() };
  }

  /** One ticker for all in-flight work: long tasks tell JetStream they are alive, so they are not redelivered. */
  #startProgress(): void {
    clearInterval(this.#progress);
    this.#progress = setInterval(() => { for (const d of this.#inFlight.keys()) d.working(); }, this.#settings.progressIntervalMs);
    this.#progress.unref();
  }

  /**
   * One sweep for all task timeouts instead of a timer per message: a task past `taskTimeoutMs` is
   * aborted within a tenth of the timeout (at most a second) after it expires.
   */
  #startSweep(): void {
    clearInterval(this.#sweep);
    this.#sweepMs = sweepPeriodMs(this.#settings.taskTimeoutMs);
    this.#sweep = setInterval(() => {
      const ms = this.#settings.taskTimeoutMs;
      const expired = performance.now() - ms;
      for (const f of this.#inFlight.values()) {
        if (f.started <= expired) f.fail(new DocflowError('ERR_STAGE_TIMEOUT', `stage ${this.def.name} took longer than ${ms} ms`));
      }
    }, this.#sweepMs);
    this.#sweep.unref();
  }

  /** Be told the outcome and duration of every message (metrics). */
  observe(fn: (outcome: 'ok' | 'retry' | 'failed', seconds: number) => void): void {
    this.#observer = fn;
  }

  /** Bytes of input held right now (for the memory monitor). */
  memoryBytes(): number {
    return this.#source?.inFlightBytes ?? 0;
  }

  /** Deliveries waiting locally per priority level (only with one consumer per level). */
  buffered(): Record<Priority, number> | undefined {
    return this.#source instanceof PrioritySource ? this.#source.buffered() : undefined;
  }

  #consumerKeys(): string[] {
    const c = this.def.consumer;
    return typeof c === 'string' ? [c] : PRIORITIES.map((p) => c[p]);
  }

  async #openSource(): Promise<PullConsumer<In> | PrioritySource<In>> {
    const c = this.def.consumer;
    if (typeof c === 'string') return this.transport.pull(c, this.def.input, this.#credit());
    const pulls = {} as Record<Priority, PullConsumer<In>>;
    for (const p of PRIORITIES) pulls[p] = await this.transport.pull(c[p], this.def.input, levelCredit(this.#credit()));
    return new PrioritySource(pulls, { concurrency: this.#settings.concurrency, starvationLimit: this.#settings.starvationLimit ?? 8, keepAliveMs: this.#settings.progressIntervalMs });
  }

  #credit() {
    return { maxMessages: this.#settings.concurrency, maxBytes: this.#settings.maxBytesInFlight };
  }

  async #handle(d: Delivery<MessageOf<In>>): Promise<void> {
    const started = performance.now();
    const ac = new AbortController();
    const docId = safeDocId(() => this.def.docId(d.message));
    // A child logger costs more than the rest of a small message's handling: create it on first use.
    let child: Logger | undefined;
    const log = (): Logger => (child ??= this.#log.child({ docId, seq: d.streamSeq, attempt: d.deliveryCount }));
    let reported: ResultEvent[] | undefined;
    const ctx: ActorContext = {
      signal: ac.signal,
      get log() { return log(); },
      attempt: d.deliveryCount,
      seq: d.streamSeq,
      emit: (event: ActorEvent): void => {
        if (isResultEvent(event)) (reported ??= []).push(event);
        else log().debug({ event }, 'actor event');
      },
    };
    // Settled by the actor, or rejected at once by a timeout or stop even if the actor ignores its signal.
    const race = new Promise<MessageOf<Out>[]>((resolve, reject) => {
      let failed = false;
      const fail = (err: DocflowError): void => {
        if (failed) return;
        failed = true;
        ac.abort(err);
        reject(err);
      };
      this.#inFlight.set(d, { started, fail });
      if (d.error) return reject(d.error);
      try {
        Promise.resolve(this.def.actor.handle(d.message as MessageOf<In>, ctx)).then(resolve, reject);
      } catch (err) {
        reject(err);
      }
    });
    try {
      const outputs = await race;
      await this.#publishAll(outputs, d.message as MessageOf<In>);
      if (docId) await this.#results(docId, reported ?? [], d.deliveryCount, performance.now() - started);
      if (!d.settled) await d.ack();
      this.#counts.processed++;
      const ms = performance.now() - started;
      this.#window.record(ms);
      this.#observer?.('ok', ms / 1000);
    } catch (err) {
      if (!d.settled) await this.#fail(d, docId, toDocflowError(err), log(), performance.now() - started);
    } finally {
      this.#inFlight.delete(d);
    }
  }

  /** Publish every output; wait for all acks, so that no rejection is left unobserved. */
  async #publishAll(outputs: MessageOf<Out>[], input: MessageOf<In>): Promise<void> {
    if (outputs.length === 1) {
      const e = this.def.route(outputs[0]!, input, 0);
      await (await this.#send(e.subject, this.def.output, e.message, e.msgId ? { msgId: e.msgId } : {})).acked;
      return;
    }
    const acks: Promise<unknown>[] = [];
    let sendError: unknown;
    for (const [i, out] of outputs.entries()) {
      try {
        const e = this.def.route(out, input, i);
        acks.push((await this.#send(e.subject, this.def.output, e.message, e.msgId ? { msgId: e.msgId } : {})).acked);
      } catch (err) {
        sendError = err;
        break;
      }
    }
    const settled = await Promise.allSettled(acks);
    if (sendError !== undefined) throw sendError;
    const failed = settled.find((r): r is PromiseRejectedResult => r.status === 'rejected');
    if (failed) throw failed.reason;
  }

  /**
   * Start a publish, then release the source's pending acks: queued in the same tick as the
   * publish, they leave in the same socket write instead of one of their own.
   */
  #send<K extends MessageKind>(subject: string, kind: K, msg: MessageOf<K>, opts: PublishOptions): ReturnType<Transport['send']> {
    const sent = this.transport.send(subject, kind, msg, opts);
    this.#source?.flushAcks();
    return sent;
  }

  async #publish<K extends MessageKind>(subject: string, kind: K, msg: MessageOf<K>, opts: PublishOptions = {}): Promise<unknown> {
    return (await this.#send(subject, kind, msg, opts)).acked;
  }

  async #fail(d: Delivery<MessageOf<In>>, docId: string | undefined, e: DocflowError, log: Logger, elapsedMs: number): Promise<void> {
    if (this.#state === 'stopping' && e.code === 'ERR_ABORTED') return; // stop() naks it
    if (e.retryable && d.deliveryCount < this.#maxDeliver) {
      const s = this.#settings;
      const delay = retryDelayMs(d.deliveryCount, s.retryBaseDelayMs, s.retryMaxDelayMs, s.retryJitter);
      log.warn({ err: e.toInfo(), delayMs: delay }, 'retryable failure; redelivering');
      this.#counts.retried++;
      d.nak(delay);
      this.#observer?.('retry', elapsedMs / 1000);
      return;
    }
    log.error({ err: e.toInfo() }, 'message failed; dead-lettering');
    try {
      await this.#deadLetter(d.streamSeq, d.subject, d.body, d.headers, e.toInfo(), d.deliveryCount, docId, elapsedMs);
      d.term(e.code);
      this.#observer?.('failed', elapsedMs / 1000);
    } catch (pubErr) {
      // Could not record the failure: leave it to redelivery rather than lose it.
      log.error({ err: toDocflowError(pubErr).toInfo() }, 'dead-lettering failed; message will be redelivered');
      d.nak(this.#settings.retryBaseDelayMs);
    }
  }

  async #deadLetter(seq: number, subject: string, body: Uint8Array, headers: Record<string, string>, error: ErrorInfo, attempt: number, docId: string | undefined, elapsedMs: number): Promise<void> {
    const { details: _d, ...plain } = error;
    // A resolved claim-checked body travels in `original`; an unresolved one keeps its reference.
    const { 'docflow-claim': claim, ...rest } = headers;
    const originalHeaders = body.length === 0 && claim !== undefined ? headers : rest;
    await this.transport.publish(this.transport.subject(`dlq.${this.def.name}`), DeadLetter, {
      stage: this.def.name, subject, ...(docId ? { docId } : {}), error: plain, attempt, original: body, originalHeaders, at: new Date().toISOString(),
    }, { msgId: `dlq:${this.def.name}:${seq}` }); // a repeat after a crash between publish and term is dropped
    this.#counts.failed++;
    this.#counts.deadLettered++;
    if (docId) await this.#result(docId, { status: 'failed', error: { code: error.code, message: error.message, retryable: error.retryable }, attempt, elapsedMs });
  }

  /** A message that killed its worker every time: JetStream gave up on it without our catch block. */
  async #deadLetterCrashed(seq: number, deliveries: number): Promise<void> {
    const stored = await this.transport.getStored(this.def.stream, seq);
    if (!stored) return;
    let docId: string | undefined;
    try {
      docId = safeDocId(() => this.def.docId(this.transport.codec.decode(this.def.input, stored.body, stored.headers) as MessageOf<In>));
    } catch {
      docId = undefined;
    }
    const error = new DocflowError('ERR_STAGE_CRASHED', `stage ${this.def.name} died ${deliveries} times while handling this message`).toInfo();
    await this.#deadLetter(seq, stored.subject, stored.body, stored.headers, error, deliveries, docId, 0);
    await this.transport.deleteStored(this.def.stream, seq);
  }

  /**
   * After the outputs are stored: `accepted` results the actor reported, this stage's `stage` result,
   * then its terminal ones (`indexed`, `unchanged`). A terminal result carries a de-duplication id, so
   * a redelivery that repeats it within the stream's window publishes nothing new.
   */
  async #results(docId: string, reported: ResultEvent[], attempt: number, elapsedMs: number): Promise<void> {
    const at = new Date().toISOString();
    const publish = (e: ResultEvent) => {
      const { type: _t, msgId, ...fields } = e;
      return this.#publish(this.transport.subject(`results.${docId}`), Result,
        { docId, stage: this.def.name, at, attempt, elapsedMs, ...fields } as MessageOf<typeof Result>, msgId ? { msgId } : {});
    };
    for (const e of reported) if (e.status === 'accepted') await publish(e);
    await this.#result(docId, { status: 'stage', attempt, elapsedMs });
    for (const e of reported) if (e.status !== 'accepted') await publish(e);
  }

  async #result(docId: string, fields: Partial<MessageOf<typeof Result>>): Promise<void> {
    await this.#publish(this.transport.subject(`results.${docId}`), Result, { docId, stage: this.def.name, at: new Date().toISOString(), status: 'stage', ...fields });
  }
}

function safeDocId(fn: () => string | undefined): string | undefined {
  try {
    const id = fn();
    return id && /^[A-Za-z0-9_-]{1,128}$/.test(id) ? id : undefined;
  } catch {
    return undefined;
  }
}

/**
 * What an actor emits to report a document's result: `{ type: 'result', status, ...fields }`. The runner
 * publishes it on `results.<docId>` once the stage's outputs are stored; `msgId` de-duplicates repeats.
 */
export interface ResultEvent extends ActorEvent {
  type: 'result';
  status: 'accepted' | 'indexed' | 'unchanged';
  chunks?: number;
  msgId?: string;
  [key: string]: unknown;
}

function isResultEvent(e: ActorEvent): e is ResultEvent {
  return e.type === 'result' && (e.status === 'accepted' || e.status === 'indexed' || e.status === 'unchanged');
}

/** How often the timeout sweep runs: a tenth of the timeout, between 10 ms and 1 s. */
function sweepPeriodMs(taskTimeoutMs: number): number {
  return Math.min(1_000, Math.max(10, Math.floor(taskTimeoutMs / 10)));
}
