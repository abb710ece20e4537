import type { VectorIndex } from '../../actors/index/index.actor.js';

type Records = Parameters<VectorIndex['upsert']>[1];

interface Waiting {
  records: Records;
  resolve(): void;
  reject(err: unknown): void;
}

/**
 * A vector index whose upserts are coalesced across concurrent documents: Chroma's cost is high per call and low per
 * vector. Like Nagle's algorithm: when no call to a collection is in flight, a document's chunks go
 * at once (no added latency on an idle pipeline); while one is, the chunks of every document that
 * arrives wait and go together in the next call (up to `maxRecords` a call). Each caller's promise
 * settles with its own call; a failed call fails every document in it (each is retried by its stage).
 */
export class UpsertBatcher implements VectorIndex {
  readonly #queues = new Map<string, { waiting: Waiting[]; busy: boolean }>();
  #calls = 0;
  #records = 0;

  constructor(private readonly index: VectorIndex, private readonly opts: { maxRecords: number }) {}

  collectionName(base: string, model: string, dimension: number): string {
    return this.index.collectionName(base, model, dimension);
  }

  deleteWhereDoc(collection: string, docId: string, keepIds: string[]): Promise<unknown> {
    return this.index.deleteWhereDoc(collection, docId, keepIds);
  }

  upsert(collection: string, records: Records): Promise<void> {
    if (records.length === 0) return Promise.resolve();
    return new Promise<void>((resolve, reject) => {
      let q = this.#queues.get(collection);
      if (!q) {
        q = { waiting: [], busy: false };
        this.#queues.set(collection, q);
      }
      q.waiting.push({ records, resolve, reject });
      if (!q.busy) this.#send(collection, q);
    });
  }

  /** Calls made and vectors sent, for status. */
  stats(): { calls: number; records: number; meanRecords: number } {
    return { calls: this.#calls, records: this.#records, meanRecords: this.#calls ? this.#records / this.#calls : 0 };
  }

  #send(collection: string, q: { waiting: Waiting[]; busy: boolean }): void {
    const batch: Waiting[] = [];
    let count = 0;
    while (q.waiting.length > 0 && (batch.length === 0 || count + q.waiting[0]!.records.length <= this.opts.maxRecords)) {
      const w = q.waiting.shift()!;
      batch.push(w);
      count += w.records.length;
    }
    if (batch.length === 0) {
      q.busy = false;
      this.#queues.delete(collection);
      return;
    }
    q.busy = true;
    this.#calls++;
    this.#records += count;
    this.index.upsert(collection, distinctById(batch.flatMap((w) => w.records))).then(
      () => { for (const w of batch) w.resolve(); },
      (err: unknown) => { for (const w of batch) w.reject(err); },
    ).finally(() => this.#send(collection, q));
  }
}

/**
 * One record per id, the last one given. Two deliveries of the same document (a redelivery racing its
 * first delivery, e.g. after a nats-server restart) can wait in the same batch; Chroma refuses a call
 * in which an id appears twice, and that would fail every document in the batch.
 */
function distinctById(records: Records): Records {
  const byId = new Map<string, Records[number]>();
  for (const r of records) {
    byId.delete(r.id); // re-inserted last: keeps the order of the last occurrences
    byId.set(r.id, r);
  }
  return byId.size === records.length ? records : [...byId.values()];
}
