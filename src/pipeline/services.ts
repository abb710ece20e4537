import { chmodSync, mkdirSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { Config } from '../config/load.js';
import { startChroma } from '../embedded/chroma.js';
import { startPostgres } from '../embedded/postgres.js';
import { DocflowError } from '../errors/index.js';
import type { Logger } from '../log.js';
import { readRunFile } from '../runtime/endpoints.js';
import { ChromaIndex } from '../stores/chroma.js';
import { DocumentStore } from '../stores/documents.js';
import { Database, migrate } from '../stores/postgres/index.js';
import { KnowledgeStore } from '../stores/knowledge/index.js';
import { Cache } from '../cache/index.js';
import { redactUrl } from '../util/redact.js';

/** The stores of the pipeline: documents and chunks in PostgreSQL, vectors in Chroma. */
export interface PipelineStores {
  readonly db: Database;
  readonly documents: DocumentStore;
  readonly index: ChromaIndex;
  readonly knowledge: KnowledgeStore;
  /** The three-level cache (L2 only when `cache.l2.url` is set). */
  readonly cache: Cache;
  readonly postgresUrl: string;
  readonly chromaUrl: string;
  /** True when this process started an embedded service. */
  readonly started: boolean;
  close(): Promise<void>;
}

/**
 * Connect to PostgreSQL and Chroma: the configured URLs; else those of a `docflow up` on this
 * machine (its run file); else, when `embedded`, start them under `dataDir`. Runs the migrations.
 */
export async function openStores(config: Readonly<Config>, log: Logger, opts: { embedded: boolean }): Promise<PipelineStores> {
  const cleanup: Array<() => Promise<void>> = [];
  const close = async () => {
    for (const fn of cleanup.reverse()) await fn().catch((err: unknown) => log.warn({ err }, 'closing a store failed'));
  };
  try {
    const run = opts.embedded ? {} : readRunFile(config);
    let started = false;
    let postgresUrl = config.postgres.url || run.postgresUrl || '';
    if (!postgresUrl) {
      if (!opts.embedded) throw new DocflowError('ERR_CONFIG_INVALID', 'no PostgreSQL: set postgres.url (DOCFLOW_POSTGRES_URL), or run `docflow up` on this machine first');
      openForPostgres(resolve(config.dataDir));
      const pg = await startPostgres({ dataDir: join(resolve(config.dataDir), 'postgres'), port: config.postgres.embedded.port, persistent: true });
      cleanup.push(() => pg.stop());
      postgresUrl = pg.url;
      started = true;
      log.info({ url: redactUrl(pg.url), dir: pg.dataDir }, 'embedded PostgreSQL started');
    }
    let chromaUrl = config.chroma.url || run.chromaUrl || '';
    if (!chromaUrl) {
      if (!opts.embedded) throw new DocflowError('ERR_CONFIG_INVALID', 'no Chroma: set chroma.url (DOCFLOW_CHROMA_URL), or run `docflow up` on this machine first');
      const chroma = await startChroma({ dataDir: join(resolve(config.dataDir), 'chroma'), port: config.chroma.embedded.port });
      cleanup.push(() => chroma.stop());
      chromaUrl = chroma.url;
      started = true;
      log.info({ url: chroma.url }, 'embedded Chroma started');
    }
    const db = await Database.connect(postgresUrl, { max: config.postgres.poolMax });
    cleanup.push(() => db.close());
    await migrate(db);
    const documents = new DocumentStore(db);
    const index = new ChromaIndex(chromaUrl);
    const knowledge = new KnowledgeStore(db, { maxPathWalk: config.knowledge.maxPathWalk });
    const c = config.cache;
    const cache = await Cache.open(
      { l1: c.l1, l2: { url: c.l2.url, timeoutMs: c.l2.timeoutMs, compressMinBytes: c.l2.compressMinBytes }, l3: { enabled: c.l3.enabled } },
      { logger: log, db, dbTarget: redactUrl(postgresUrl) },
    );
    cleanup.push(() => cache.close());
    return { db, documents, index, knowledge, cache, postgresUrl, chromaUrl, started, close };
  } catch (err) {
    await close();
    throw err;
  }
}

/**
 * As root, the embedded PostgreSQL runs as the OS user `postgres`, which must pass through docflow's
 * data folder: give it search (x) permission on that folder only, never read or write. (When a folder
 * above it is closed too, `startPostgres` keeps the cluster under /var/lib/docflow instead.)
 */
function openForPostgres(dataDir: string): void {
  if (process.getuid?.() !== 0) return;
  mkdirSync(dataDir, { recursive: true });
  const mode = statSync(dataDir).mode & 0o7777;
  if ((mode & 0o001) === 0) chmodSync(dataDir, mode | 0o011);
}
