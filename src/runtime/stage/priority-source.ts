import { LevelPicker } from '../../scheduler/level-picker.js';
import { PRIORITIES, perPriority, type Priority } from '../../scheduler/priority.js';
import type { MessageKind, MessageOf } from '../../messages/index.js';
import type { Credit, Delivery, PullConsumer } from '../../transport/index.js';

/**
 * Priority over NATS: one durable pull consumer per level subject (`work.<stage>.<priority>`), each
 * pulling within its own small credit into a local buffer, and one iterator that hands out the next
 * delivery from the level the LevelPicker chooses — critical first, with the anti-starvation guard so
 * that `low` still finishes. At most `concurrency` deliveries are handed out and unsettled at once;
 * buffered ones keep telling JetStream they are being worked on, so they are not redelivered.
 */
export class PrioritySource<K extends MessageKind> implements AsyncIterable<Delivery<MessageOf<K>>> {
  readonly #buffers = perPriority<Array<Delivery<MessageOf<K>>>>(() => []);
  readonly #picker: LevelPicker;
  #concurrency: number;
  #handedOut = 0;
  #closed = false;
  #wake: (() => void) | undefined;
  #keepAlive: ReturnType<typeof setInterval> | undefined;

  constructor(
    private readonly pulls: Record<Priority, PullConsumer<K>>,
    opts: { concurrency: number; starvationLimit: number; keepAliveMs: number },
  ) {
    this.#concurrency = opts.concurrency;
    this.#picker = new LevelPicker(opts.starvationLimit);
    for (const p of PRIORITIES) void this.#pump(p);
    this.#keepAlive = setInterval(() => {
      for (const p of PRIORITIES) for (const d of this.#buffers[p]) d.working();
    }, opts.keepAliveMs);
    this.#keepAlive.unref();
  }

  /** Deliveries waiting locally per level. */
  buffered(): Record<Priority, number> {
    return perPriority((p) => this.#buffers[p].length);
  }

  /** Bytes held: buffered and handed out. */
  get inFlightBytes(): number {
    return PRIORITIES.reduce((s, p) => s + this.pulls[p].inFlightBytes, 0);
  }

  /** New total concurrency and per-level credit. */
  setCredit(credit: Credit): void {
    this.#concurrency = credit.maxMessages;
    for (const p of PRIORITIES) this.pulls[p].setCredit(levelCredit(credit));
    this.#signal();
  }

  /** Send the pending acks of every level (see `PullConsumer.flushAcks`). */
  flushAcks(): void {
    for (const p of PRIORITIES) this.pulls[p].flushAcks();
  }

  /** Stop pulling; buffered deliveries are nak'ed at once for redelivery. */
  async close(): Promise<void> {
    this.#closed = true;
    clearInterval(this.#keepAlive);
    await Promise.all(PRIORITIES.map((p) => this.pulls[p].close()));
    for (const p of PRIORITIES) for (const d of this.#buffers[p].splice(0)) d.nak(0);
    this.#signal();
  }

  async *[Symbol.asyncIterator](): AsyncIterator<Delivery<MessageOf<K>>> {
    while (!this.#closed) {
      const available = perPriority((p) => this.#buffers[p].length > 0);
      const level = this.#handedOut < this.#concurrency ? this.#picker.next(available) : undefined;
      if (level === undefined) {
        await new Promise<void>((r) => (this.#wake = r));
        continue;
      }
      this.#handedOut++;
      yield this.#track(this.#buffers[level].shift()!);
    }
  }

  /** Count the delivery against the concurrency until it is settled. */
  #track(d: Delivery<MessageOf<K>>): Delivery<MessageOf<K>> {
    let done = false;
    const release = () => {
      if (done) return;
      done = true;
      this.#handedOut--;
      this.#signal();
    };
    return Object.assign(Object.create(d) as Delivery<MessageOf<K>>, {
      ack: async () => { release(); await d.ack(); },
      nak: (ms?: number) => { release(); d.nak(ms); },
      term: (reason?: string) => { release(); d.term(reason); },
    });
  }

  async #pump(level: Priority): Promise<void> {
    for await (const d of this.pulls[level]) {
      if (this.#closed) {
        d.nak(0);
        break;
      }
      this.#buffers[level].push(d);
      this.#signal();
    }
  }

  #signal(): void {
    const w = this.#wake;
    this.#wake = undefined;
    w?.();
  }
}

/**
 * Each level may hold twice the concurrency in messages (the handed-out work plus as much again
 * ready in its buffer, so the next pick finds an urgent message waiting instead of racing its
 * refill), and a quarter of the byte credit, so that all four levels together stay within it.
 */
export function levelCredit(credit: Credit): Credit {
  return { maxMessages: credit.maxMessages * 2, maxBytes: Math.max(1, Math.floor(credit.maxBytes / 4)) };
}
