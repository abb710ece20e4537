import { Subject } from 'rxjs';
import type { Actor } from '../../src/actor/types.js';
import { DocflowError } from '../../src/errors/index.js';
import { DocumentsRequest, parseQuery, type DocumentsReplyMessage } from '../../src/messages/queries.js';
import { MAX_PAGE_SIZE, type DocumentItem, type KnowledgeStore } from '../../src/stores/knowledge/index.js';
import { BatchProcessor, type BatchSettings, type BatchStats } from '../../streams/index.js';

/** Batching of the documents actor; both tunable at run time through `tune`. */
export interface DocumentsActorOptions {
  /** Longest a request waits for others to share its query, ms. @defaultValue 2 */
  batchWaitMs?: number;
  /** Most requests answered by one query. @defaultValue 100 */
  maxBatch?: number;
}

/** The documents actor, with its batcher's settings, counters and shutdown. */
export interface DocumentsActor extends Actor<unknown, DocumentsReplyMessage>, AsyncDisposable {
  readonly settings: Readonly<BatchSettings>;
  /** Change `batchSize` (requests per query) or `batchWaitMs`. @throws DocflowError ERR_TUNE_INVALID */
  tune(patch: Partial<Pick<BatchSettings, 'batchSize' | 'batchWaitMs'>>): BatchSettings;
  stats(): BatchStats;
  /** Answer what is queued, then refuse new requests (ERR_ABORTED). Idempotent. */
  close(): Promise<void>;
}

interface Waiting {
  ids: string[];
  resolve(reply: DocumentsReplyMessage): void;
  reject(err: unknown): void;
}

/**
 * `docflow.query.documents`: documents by id. Requests that arrive together are collected for at
 * most `batchWaitMs` (or until `maxBatch` of them) and answered by ONE `WHERE id = ANY($1)` query;
 * each caller gets its own ids, in the order asked, each once, with the unknown ones left out of
 * `documents` and listed in `missing`. A failing query fails every request of its batch with that
 * error; a bad request fails alone before it joins a batch (ERR_QUERY_INVALID, ERR_QUERY_LIMIT over
 * 100 ids).
 */
export function createDocumentsActor(store: Pick<KnowledgeStore, 'documents'>, opts: DocumentsActorOptions = {}): DocumentsActor {
  const processor = new BatchProcessor<Waiting>({ batchSize: opts.maxBatch ?? 100, batchWaitMs: opts.batchWaitMs ?? 2 });
  const input = new Subject<Waiting>();
  const inFlight = new Set<Promise<void>>();
  let drained: () => void = () => undefined;
  const done = new Promise<void>((resolve) => { drained = resolve; });
  input.pipe(processor.operator()).subscribe({
    next: (batch) => {
      const p = answer(store, batch).finally(() => inFlight.delete(p));
      inFlight.add(p);
    },
    complete: () => drained(),
  });
  let closing: Promise<void> | undefined;
  const close = (): Promise<void> => {
    closing ??= (async () => {
      input.complete();
      await done;
      await Promise.all(inFlight);
    })();
    return closing;
  };
  return {
    name: 'documents',
    get settings() { return processor.settings; },
    tune: (patch) => processor.tune(patch),
    stats: () => processor.stats(),
    close,
    [Symbol.asyncDispose]: close,
    async handle(msg) {
      const { ids } = parseQuery(DocumentsRequest, msg);
      if (ids.length > MAX_PAGE_SIZE) {
        throw new DocflowError('ERR_QUERY_LIMIT', `${ids.length} ids is over the maximum of ${MAX_PAGE_SIZE} a request: split the lookup`, { details: { ids: ids.length, max: MAX_PAGE_SIZE } });
      }
      if (closing) throw new DocflowError('ERR_ABORTED', 'the documents query is shutting down: ask again once docflow is back');
      if (ids.length === 0) return { documents: [], missing: [] };
      return new Promise<DocumentsReplyMessage>((resolve, reject) => input.next({ ids, resolve, reject }));
    },
  };
}

/** One query for the whole batch, then each caller's own answer. */
async function answer(store: Pick<KnowledgeStore, 'documents'>, batch: Waiting[]): Promise<void> {
  let found: Map<string, DocumentItem>;
  try {
    const docs = await store.documents([...new Set(batch.flatMap((w) => w.ids))]);
    found = new Map(docs.map((d) => [d.id, d]));
  } catch (err) {
    for (const w of batch) w.reject(err);
    return;
  }
  for (const w of batch) {
    const asked = [...new Set(w.ids)];
    w.resolve({ documents: asked.flatMap((x) => found.get(x) ?? []), missing: asked.filter((x) => !found.has(x)) });
  }
}
