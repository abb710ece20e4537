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

/** How often a stage looks for acknowledged leftovers in its work queue (Transport#removeAckedLeftovers). */
const TIDY_MS = 15_000;

/** Failures of a service the stage depends on, not of the message: held through, never counted as attempts. */
const OUTAGES: ReadonlySet<string> = new Set(['ERR_STORE_UNAVAILABLE', 'ERR_TRANSPORT_CLOSED']);

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
  #progress: ReturnType<typeof setInterval> | undefined;
  #sweep: ReturnType<typeof setInterval> | undefined;
  #sweepMs = 0;
  #tidy: ReturnType<typeof setInterval> | undefined;
  #observer: ((outcome: 'ok' | 'retry' | 'failed', seconds: number) => void) | undefined;
  readonly #inFlight = new Map<Delivery<MessageOf<In>>, InFlight>();
  readonly #window = new RateWindow();
  readonly #counts = { processed: 0, failed: 0, retried: 0, deadLettered: 0 };
  readonly #maxDeliver: number;
  readonly #log: Logger;
  readonly #debug: boolean;

  constructor(
    readonly def: StageDefinition<In, Out>,
    private readonly transport: Transport,
    settings: StageSettings,
    log: Logger,
  ) {
    this.#settings = { ...settings };
    this.#log = log.child({ stage: def.name });
    this.#debug = this.#log.isLevelEnabled('debug');
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
    this.#startTidy();
    this.#abort = new AbortController();
    this.#source = await this.#openSource();
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
    clearInterval(this.#tidy);
    this.#tidy = undefined;
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

  /** Now and then, remove what a crashed nats-server left acknowledged in this stage's work queue. */
  #startTidy(): void {
    clearInterval(this.#tidy);
    let busy = false;
    this.#tidy = setInterval(() => {
      if (busy) return;
      busy = true;
      void (async () => {
        for (const key of this.#consumerKeys()) {
          const removed = await this.transport.removeAckedLeftovers(key);
          if (removed > 0) this.#log.warn({ consumer: key, removed }, 'removed acknowledged messages that the work queue still held (left by a nats-server crash)');
        }
      })().catch((err: unknown) => this.#log.debug({ err: toDocflowError(err).toInfo() }, 'looking for acknowledged leftovers failed; tried again later'))
        .finally(() => { busy = false; });
    }, TIDY_MS);
    this.#tidy.unref();
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
    const docId = safeDocId(() => this.def.docId(d.message) ?? (d.error ? this.#docIdOfInvalid(d) : undefined));
    if (d.deliveryCount > this.#maxDeliver) return this.#deadLetterCrashed(d, docId);
    // A child logger costs more than the rest of a small message's handling: create it on first use.
    let child: Logger | undefined;
    const log = (): Logger => (child ??= this.#log.child({ docId, seq: d.streamSeq, attempt: d.deliveryCount }));
    for (let outage = 1; ; outage++) {
      try {
        await this.#attempt(d, docId, log, started, outage);
        return;
      } catch (err) {
        const e = toDocflowError(err);
        if (!d.settled && OUTAGES.has(e.code) && this.#state === 'running' && await this.#holdThroughOutage(d, e, outage, log)) continue;
        if (!d.settled) await this.#fail(d, docId, e, log(), performance.now() - started);
        return;
      } finally {
        this.#inFlight.delete(d);
      }
    }
  }

  /** The document a message that could not be decoded names, if its body decodes at all (schema aside). */
  #docIdOfInvalid(d: Delivery<MessageOf<In>>): string | undefined {
    const value = this.transport.codec.decodeValue(d.body, d.headers);
    if (typeof value !== 'object' || value === null || Array.isArray(value)) return undefined;
    const fields = value as Record<string, unknown>;
    return this.def.docIdOfInvalid ? this.def.docIdOfInvalid(fields) : (typeof fields['docId'] === 'string' ? fields['docId'] : undefined);
  }

  /** Run the actor on one delivery, publish its outputs and results, and ack. */
  async #attempt(d: Delivery<MessageOf<In>>, docId: string | undefined, log: () => Logger, started: number, tries: number): Promise<void> {
    const ac = new AbortController();
    let reported: ResultEvent[] | undefined;
    const ctx: ActorContext = {
      signal: ac.signal,
      get log() { return log(); },
      attempt: d.deliveryCount,
      tries,
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
      this.#inFlight.set(d, { started: performance.now(), fail });
      if (d.error) return reject(d.error);
      try {
        Promise.resolve(this.def.actor.handle(d.message as MessageOf<In>, ctx)).then(resolve, reject);
      } catch (err) {
        reject(err);
      }
    });
    const outputs = await race;
    await this.#publishAll(outputs, d.message as MessageOf<In>);
    if (docId) await this.#results(docId, reported ?? [], d.deliveryCount, performance.now() - started, this.def.resultFields?.(outputs));
    if (!d.settled) await d.ack();
    this.#counts.processed++;
    const ms = performance.now() - started;
    // At debug level each document leaves a line per stage (the check spares the child logger otherwise).
    if (this.#debug) log().debug({ ms: Math.round(ms * 10) / 10, outputs: outputs.length }, 'processed');
    this.#window.record(ms);
    this.#observer?.('ok', ms / 1000);
  }

  /**
   * A store or the bus is down: that is no fault of the document, so it must not use up the
   * document's deliveries. The message stays in flight (the progress ticker keeps JetStream from
   * redelivering it, and it holds its credit, so the stage pulls no more work meanwhile) and is tried
   * again after a backoff, for as long as the outage lasts. Resolves false if the stage stops first
   * (stop() then naks the message).
   */
  #holdThroughOutage(d: Delivery<MessageOf<In>>, e: DocflowError, n: number, log: () => Logger): Promise<boolean> {
    const s = this.#settings;
    const delayMs = retryDelayMs(n, s.retryBaseDelayMs, s.retryMaxDelayMs, s.retryJitter);
    if (n === 1 || n % 10 === 0) log().warn({ err: e.toInfo(), delayMs, waits: n }, 'a service is unavailable; holding the message and trying again');
    this.#counts.retried++;
    return new Promise<boolean>((resolve) => {
      const timer = setTimeout(() => resolve(true), delayMs);
      // Out of reach of the task-timeout sweep (started = +Infinity); stop() ends the wait.
      this.#inFlight.set(d, { started: Number.POSITIVE_INFINITY, fail: () => { clearTimeout(timer); resolve(false); } });
    });
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
    // A branch's failure is not the document's terminal status: the line reports that (see `branch`).
    if (docId) await this.#result(docId, { status: this.def.branch ? 'stage' : 'failed', error: { code: error.code, message: error.message, retryable: error.retryable }, attempt, elapsedMs });
  }

  /**
   * A message delivered more than `maxDeliver` times never reached an outcome: each worker that took it
   * died or stalled (a killed thread or process skips every catch block). JetStream redelivers without
   * a limit of its own, so the next worker to see it, whichever, dead-letters it here instead of trying
   * it again. (A limit in JetStream would leave such a message in the stream for good whenever no
   * worker happened to hear the server's one-shot max-deliveries advisory.)
   */
  async #deadLetterCrashed(d: Delivery<MessageOf<In>>, docId: string | undefined): Promise<void> {
    const attempts = d.deliveryCount - 1;
    const error = new DocflowError('ERR_STAGE_CRASHED', `stage ${this.def.name} was given this message ${attempts} times and never finished it (its worker died or stalled each time); it is not tried again: fix the cause, then \`docflow dlq replay\``).toInfo();
    const log = this.#log.child({ docId, seq: d.streamSeq });
    log.error({ attempts }, 'message outlived its deliveries; dead-lettering');
    try {
      await this.#deadLetter(d.streamSeq, d.subject, d.body, d.headers, error, attempts, docId, 0);
      d.term(error.code);
      this.#observer?.('failed', 0);
    } catch (err) {
      log.error({ err: toDocflowError(err).toInfo() }, 'dead-lettering failed; message will be redelivered');
      d.nak(this.#settings.retryBaseDelayMs);
    }
  }

  /**
   * After the outputs are stored: `accepted` results the actor reported, this stage's `stage` result,
   * then its terminal ones (`indexed`, `unchanged`). A terminal result carries a de-duplication id, so
   * a redelivery that repeats it within the stream's window publishes nothing new.
   */
  async #results(docId: string, reported: ResultEvent[], attempt: number, elapsedMs: number, stageFields: { branches?: string[] } = {}): Promise<void> {
    const at = new Date().toISOString();
    const publish = (e: ResultEvent) => {
      const { type: _t, msgId, ...fields } = e;
      return this.#publish(this.transport.subject(`results.${docId}`), Result,
        { docId, stage: this.def.name, at, attempt, elapsedMs, ...fields } as MessageOf<typeof Result>, msgId ? { msgId } : {});
    };
    for (const e of reported) if (e.status === 'accepted') await publish(e);
    await this.#result(docId, { status: 'stage', attempt, elapsedMs, ...stageFields });
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
