import { pathToFileURL } from 'node:url';
import { deriveDocId } from '../../actors/load/doc-id.js';
import { Ingest, Result, type IngestMessage, type ResultMessage } from '../messages/index.js';
import type { Transport } from '../transport/index.js';
import { PIPELINE_STAGES } from '../messages/index.js';

export type Terminal = 'indexed' | 'unchanged' | 'failed';

/** True for a document's last result status (one per document). */
export function isTerminal(status: string | undefined): status is Terminal {
  return status === 'indexed' || status === 'unchanged' || status === 'failed';
}

/** One document of a run, as its results tell it. */
export interface DocProgress {
  docId: string;
  source: string;
  stages: Set<string>;
  status?: Terminal;
  chunks?: number;
  error?: { code: string; message: string };
}

/** Figures of a run so far. */
export interface RunFigures {
  total: number;
  published: number;
  /** Documents past each stage. */
  stages: Record<string, number>;
  indexed: number;
  unchanged: number;
  failed: number;
  chunks: number;
  bytes: number;
  elapsedMs: number;
}

export interface IngestRunOptions {
  collection?: string;
  priority?: IngestMessage['priority'];
  metadata?: IngestMessage['metadata'];
  /** Called on every result of a document of this run. */
  onResult?: (doc: DocProgress, r: ResultMessage) => void;
}

/**
 * One `docflow ingest`: subscribes to the results first (so none is missed), publishes each
 * document through JetStream, and resolves when every document has its terminal result.
 */
export class IngestRun {
  readonly docs = new Map<string, DocProgress>();
  readonly #started = performance.now();
  #published = 0;
  #bytes = 0;
  #terminal = 0;
  #lastEvent = Date.now();
  #finished: (() => void) | undefined;
  readonly #done: Promise<void>;
  readonly #abort = new AbortController();

  constructor(private readonly transport: Transport, private readonly opts: IngestRunOptions = {}) {
    this.#done = new Promise((resolve) => (this.#finished = resolve));
  }

  /** Milliseconds since the last result of this run (to tell a stalled run). */
  get idleMs(): number {
    return Date.now() - this.#lastEvent;
  }

  get done(): Promise<void> {
    return this.#done;
  }

  figures(): RunFigures {
    const stages: Record<string, number> = Object.fromEntries(PIPELINE_STAGES.map((s) => [s, 0]));
    const f = { indexed: 0, unchanged: 0, failed: 0, chunks: 0 };
    for (const d of this.docs.values()) {
      for (const s of d.stages) stages[s] = (stages[s] ?? 0) + 1;
      if (d.status) f[d.status]++;
      if (d.status === 'indexed' || d.status === 'unchanged') f.chunks += d.chunks ?? 0;
    }
    return { total: this.docs.size, published: this.#published, stages, ...f, bytes: this.#bytes, elapsedMs: performance.now() - this.#started };
  }

  /** Publish files (by `file://` uri; the server reads them inside its roots). */
  async publishFiles(files: ReadonlyArray<{ path: string; size?: number }>): Promise<void> {
    const items = files.map((f) => {
      const uri = pathToFileURL(f.path).href;
      this.#bytes += f.size ?? 0;
      return { msg: { uri } as IngestMessage, source: f.path };
    });
    await this.publish(items);
  }

  /** Publish ingest messages; each gets its docId before it is sent, so no result is missed. */
  async publish(items: ReadonlyArray<{ msg: IngestMessage; source?: string }>): Promise<void> {
    for (const { msg, source } of items) {
      const docId = deriveDocId(msg).docId;
      if (!this.docs.has(docId)) this.docs.set(docId, { docId, source: source ?? msg.uri ?? docId, stages: new Set() });
    }
    if (this.docs.size === 0) this.#finished?.();
    void this.#listen();
    const acks: Promise<unknown>[] = [];
    for (const { msg } of items) {
      const full: IngestMessage = {
        ...msg,
        ...(this.opts.collection && !msg.collection ? { collection: this.opts.collection } : {}),
        ...(this.opts.priority && !msg.priority ? { priority: this.opts.priority } : {}),
        ...(this.opts.metadata && !msg.metadata ? { metadata: this.opts.metadata } : {}),
      };
      const { acked } = await this.transport.send(this.transport.subject('ingest'), Ingest, full);
      acks.push(acked.then(() => { this.#published++; }));
    }
    await Promise.all(acks);
  }

  #listening = false;

  async #listen(): Promise<void> {
    if (this.#listening) return;
    this.#listening = true;
    const prefix = this.transport.subject('results.');
    for await (const { message } of this.transport.subscribe(`${prefix}>`, Result, { signal: this.#abort.signal })) {
      if (!message) continue;
      const doc = this.docs.get(message.docId);
      if (!doc) continue;
      this.#lastEvent = Date.now();
      if (message.status === 'stage' && message.stage) doc.stages.add(message.stage);
      if (isTerminal(message.status) && !doc.status) {
        doc.status = message.status;
        if (message.chunks !== undefined) doc.chunks = message.chunks;
        if (message.error) doc.error = { code: message.error.code, message: message.error.message };
        this.#terminal++;
      }
      this.opts.onResult?.(doc, message);
      if (this.#terminal >= this.docs.size) {
        this.#finished?.();
        break;
      }
    }
  }

  /** Start listening before publishing (publish also starts it). */
  async ready(): Promise<void> {
    void this.#listen();
    await this.transport.flush();
  }

  close(): void {
    this.#abort.abort();
    this.#finished?.();
  }
}
