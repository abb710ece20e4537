import type { VectorIndex } from '../../actors/index/index.actor.js';

type Records = Parameters<VectorIndex['upsert']>[1];

interface Waiting {
  records: Records;
  resolve(): void;
  reject(err: unknown): void;
}

/**
 * Coalesces the Chroma upserts of concurrent documents: Chroma's cost per call is high and per
 * vector low, so the chunks of every document that arrives within `waitMs` (or until `maxRecords`)
 * go in one call per collection. Each caller's promise settles with its own batch; a failed call
 * fails every document in it (each is retried by the stage runner).
 */
export class UpsertBatcher {
  readonly #pending = new Map<string, { items: Waiting[]; count: number; timer: NodeJS.Timeout }>();
  #calls = 0;
  #records = 0;

  constructor(private readonly index: Pick<VectorIndex, 'upsert'>, private readonly opts: { maxRecords: number; waitMs: number }) {}

  upsert(collection: string, records: Records): Promise<void> {
    if (records.length === 0) return Promise.resolve();
    return new Promise<void>((resolve, reject) => {
      let batch = this.#pending.get(collection);
      if (!batch) {
        batch = { items: [], count: 0, timer: setTimeout(() => this.#flush(collection), this.opts.waitMs) };
        this.#pending.set(collection, batch);
      }
      batch.items.push({ records, resolve, reject });
      batch.count += records.length;
      if (batch.count >= this.opts.maxRecords) this.#flush(collection);
    });
  }

  /** Calls made and records sent, for status. */
  stats(): { calls: number; records: number; meanRecords: number } {
    return { calls: this.#calls, records: this.#records, meanRecords: this.#calls ? this.#records / this.#calls : 0 };
  }

  #flush(collection: string): void {
    const batch = this.#pending.get(collection);
    if (!batch) return;
    this.#pending.delete(collection);
    clearTimeout(batch.timer);
    const all = batch.items.flatMap((w) => w.records);
    this.#calls++;
    this.#records += all.length;
    this.index.upsert(collection, all).then(
      () => { for (const w of batch.items) w.resolve(); },
      (err: unknown) => { for (const w of batch.items) w.reject(err); },
    );
  }
}
