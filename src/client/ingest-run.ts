import { pathToFileURL } from 'node:url';
import { deriveDocId } from '../../actors/load/doc-id.js';
import { BRANCH_STAGES, Ingest, PIPELINE_STAGES, Result, type IngestMessage, type ResultMessage } from '../messages/index.js';
import type { Transport } from '../transport/index.js';

export type Terminal = 'indexed' | 'unchanged' | 'failed';

const BRANCHES: ReadonlySet<string> = new Set(BRANCH_STAGES);

/** True for a terminal result status: the line's last word on a document (one per document). */
export function isTerminal(status: string | undefined): status is Terminal {
  return status === 'indexed' || status === 'unchanged' || status === 'failed';
}

/** What {@link followEnd} keeps of a document's results. */
export type DocEnd = Pick<DocProgress, 'stages' | 'branches' | 'status' | 'line' | 'failedBranch' | 'chunks' | 'error'>;

/**
 * Take one result of `doc` into account; true when it is the one that ends the document: the line's
 * terminal result and, for an indexed document (with `waitForBranches`), a result from each branch
 * split announced. A branch never ends a document by itself: its failure is kept for when the line
 * ends, and makes the document `failed` (its chunks stay indexed).
 */
export function followEnd(doc: DocEnd, message: ResultMessage, waitForBranches: boolean): boolean {
  // a stage that gave up on the document (a branch's `stage` result with an `error`) is not one it passed
  if (message.status === 'stage' && message.stage && message.error === undefined) doc.stages.add(message.stage);
  if (message.branches) doc.branches = message.branches;
  if (message.stage !== undefined && BRANCHES.has(message.stage)) {
    // A branch reports giving up on a document as a `stage` result with an `error` (an older one as `failed`).
    if ((message.status === 'failed' || message.error !== undefined) && doc.failedBranch === undefined && !doc.status) {
      doc.failedBranch = message.stage;
      if (message.error) doc.error = { code: message.error.code, message: message.error.message };
    }
  } else if (isTerminal(message.status) && !doc.line) {
    doc.line = message.status;
    if (message.chunks !== undefined) doc.chunks = message.chunks;
    if (message.error) doc.error = { code: message.error.code, message: message.error.message };
  }
  if (doc.status || doc.line === undefined) return false;
  const waiting = doc.line === 'indexed' && waitForBranches && (doc.branches ?? []).some((b) => !doc.stages.has(b) && doc.failedBranch !== b);
  if (waiting) return false;
  doc.status = doc.failedBranch !== undefined && doc.line !== 'failed' ? 'failed' : doc.line;
  return true;
}

/** One document of a run, as its results tell it. */
export interface DocProgress {
  docId: string;
  source: string;
  stages: Set<string>;
  /** The branches split fed it to (`knowledge`), as split's `stage` result announced them. */
  branches?: string[];
  /**
   * Its end: the line's terminal result, once every announced branch has reported on an indexed
   * document (unless the run does not wait for them); `failed` when a branch failed on it. Unset
   * while it still waits.
   */
  status?: Terminal;
  /** The line's terminal result as it came (an `indexed` document may still wait for a branch). */
  line?: Terminal;
  /** The branch that failed on it, if one did (`error` is that branch's). */
  failedBranch?: string;
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
  /**
   * Whether an indexed document also waits for the branches split fed it to (announced on split's
   * `stage` result: `knowledge`), each with its `stage` result (one that carries an `error`, or an
   * older deployment's `failed`, makes the document failed), so that when the run ends its entities
   * and relations are queryable too.
   * @defaultValue true
   */
  waitForBranches?: boolean;
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
  readonly #waitForBranches: boolean;

  constructor(private readonly transport: Transport, private readonly opts: IngestRunOptions = {}) {
    this.#done = new Promise((resolve) => (this.#finished = resolve));
    this.#waitForBranches = opts.waitForBranches ?? true;
  }

  /** Milliseconds since the last result of this run (to tell a stalled run). */
  get idleMs(): number {
    return Date.now() - this.#lastEvent;
  }

  get done(): Promise<void> {
    return this.#done;
  }

  figures(): RunFigures {
    // the line's stages always; a branch once a document of the run was fed to it
    const stages: Record<string, number> = Object.fromEntries(PIPELINE_STAGES.map((s) => [s, 0]));
    const f = { indexed: 0, unchanged: 0, failed: 0, chunks: 0 };
    for (const d of this.docs.values()) {
      if (this.#waitForBranches) for (const b of d.branches ?? []) stages[b] ??= 0;
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
      if (followEnd(doc, message, this.#waitForBranches)) this.#terminal++;
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
