/**
 * The typed client for users' programs (`import { DocflowClient } from 'docflow/client'`): publish
 * documents, follow their results as RxJS Observables, ingest and wait, search, the knowledge
 * queries and the status, over the same subjects and message kinds as the server
 * (../shared/CONTRACT.md).
 */
import { Observable } from 'rxjs';
import { deriveDocId } from '../../actors/load/doc-id.js';
import { loadConfig, type Config } from '../config/load.js';
import {
  Ingest, Result, StatusReply, StatusRequest,
  type IngestMessage, type ResultMessage, type StatusReplyMessage,
} from '../messages/index.js';
import { SearchReply, SearchRequest, type SearchReplyMessage, type SearchRequestMessage } from '../messages/pipeline.js';
import {
  DocumentsReply, EntitiesReply, PathsReply, QueryInput, RelationsReply,
  type DocumentsReplyMessage, type DocumentsRequestMessage, type EntitiesReplyMessage, type EntitiesRequestMessage,
  type PathsReplyMessage, type PathsRequestMessage, type RelationsReplyMessage, type RelationsRequestMessage,
} from '../messages/queries.js';
import { Transport } from '../transport/index.js';
import { followEnd, IngestRun, type DocEnd, type DocProgress, type IngestRunOptions, type RunFigures } from './ingest-run.js';

/** Where to connect. Without `config`, docflow's configuration is loaded (defaults, DOCFLOW_CONFIG, DOCFLOW_* env). */
export interface ConnectOptions {
  /** NATS URLs, e.g. `['nats://127.0.0.1:4222']` (overrides the configuration's). */
  servers?: string[];
  /** Subject prefix of the deployment. @defaultValue 'docflow' */
  subjectPrefix?: string;
  /** A complete configuration (from `loadConfig`); `servers` and `subjectPrefix` still override it. */
  config?: Readonly<Config>;
}

/** What `ingestAndWait` resolves with: the run's figures and every document's end. */
export interface IngestSummary extends RunFigures {
  docs: DocProgress[];
}

/** A connection to a docflow deployment: see the file comment. Close it with `close()` (or `await using`). */
export class DocflowClient implements AsyncDisposable {
  readonly transport: Transport;

  private constructor(transport: Transport) {
    this.transport = transport;
  }

  static async connect(opts: ConnectOptions = {}): Promise<DocflowClient> {
    // Without a config, the overrides go through loadConfig and its schema (a bad prefix or URL is a ConfigError).
    const config = opts.config
      ? { ...opts.config, subjectPrefix: opts.subjectPrefix ?? opts.config.subjectPrefix, nats: { ...opts.config.nats, servers: opts.servers ?? opts.config.nats.servers } }
      : loadConfig({ overrides: { ...(opts.servers ? { 'nats.servers': opts.servers } : {}), ...(opts.subjectPrefix ? { subjectPrefix: opts.subjectPrefix } : {}) } });
    return new DocflowClient(await Transport.connect(config));
  }

  /**
   * Publish one document on `docflow.ingest`; resolves once JetStream has stored it.
   * @returns its document id (given, or derived from its content or uri as the server derives it).
   */
  async publish(doc: IngestMessage): Promise<{ docId: string }> {
    const { docId } = deriveDocId(doc);
    const { acked } = await this.transport.send(this.transport.subject('ingest'), Ingest, doc);
    await acked;
    return { docId };
  }

  /**
   * The live events of `docflow.results.<docId>` (`accepted`, `stage`, then one terminal event),
   * completing after the terminal one or, for an indexed document that split fed to the knowledge
   * branch, after that branch's event too (unless `opts.waitForBranches` is false). Subscribe before
   * publishing the document: events sent before are not replayed (use `ingestAndWait` to publish and
   * follow in one call).
   */
  results(docId: string, opts: { waitForBranches?: boolean } = {}): Observable<ResultMessage> {
    const subject = this.transport.subject(`results.${docId}`);
    return new Observable<ResultMessage>((subscriber) => {
      const abort = new AbortController();
      const events = this.transport.subscribe(subject, Result, { signal: abort.signal });
      // The first next() makes the NATS subscription now, before any later publish on this connection.
      const first = events.next();
      const end: DocEnd = { stages: new Set() };
      void (async () => {
        try {
          for (let step = await first; !step.done; step = await events.next()) {
            const { message, error } = step.value;
            if (error) throw error;
            if (!message) continue;
            subscriber.next(message);
            if (followEnd(end, message, opts.waitForBranches ?? true)) break;
          }
          subscriber.complete();
        } catch (err) {
          subscriber.error(err);
        } finally {
          await events.return(undefined);
        }
      })();
      return () => abort.abort();
    });
  }

  /**
   * Publish `docs` and resolve when each has its end (subscribed first: none is missed). An indexed
   * document also waits for the branches split fed it to (`knowledge`), so that what it said is
   * queryable when this resolves (`opts.waitForBranches: false` does not wait for them).
   */
  async ingestAndWait(docs: readonly IngestMessage[], opts: IngestRunOptions = {}): Promise<IngestSummary> {
    const run = new IngestRun(this.transport, opts);
    try {
      await run.ready();
      await run.publish(docs.map((msg) => ({ msg })));
      await run.done;
      return { ...run.figures(), docs: [...run.docs.values()] };
    } finally {
      run.close();
    }
  }

  /** `docflow.query.search`: the `k` best chunks (score = 1 - distance), with metadata filters. */
  search(req: SearchRequestMessage): Promise<SearchReplyMessage> {
    return this.transport.request(this.transport.subject('query.search'), SearchRequest, req, SearchReply);
  }

  entities(req: EntitiesRequestMessage = {}): Promise<EntitiesReplyMessage> {
    return this.transport.request(this.transport.subject('query.entities'), QueryInput, req, EntitiesReply);
  }

  relations(req: RelationsRequestMessage = {}): Promise<RelationsReplyMessage> {
    return this.transport.request(this.transport.subject('query.relations'), QueryInput, req, RelationsReply);
  }

  paths(req: PathsRequestMessage): Promise<PathsReplyMessage> {
    return this.transport.request(this.transport.subject('query.paths'), QueryInput, req, PathsReply);
  }

  documents(req: DocumentsRequestMessage): Promise<DocumentsReplyMessage> {
    return this.transport.request(this.transport.subject('query.documents'), QueryInput, req, DocumentsReply);
  }

  /** `docflow.status`: the supervision tree, pools, caches, streams; `stages` and `nodes` cover every process of the deployment. */
  status(): Promise<StatusReplyMessage> {
    return this.transport.request(this.transport.subject('status'), StatusRequest, {}, StatusReply);
  }

  close(): Promise<void> {
    return this.transport.close();
  }

  [Symbol.asyncDispose](): Promise<void> {
    return this.close();
  }
}
