import { ChromaClient, type Collection } from 'chromadb';
import { DocflowError } from '../errors/index.js';
import { redactUrl } from '../util/redact.js';
import { isNotFound, toChromaError } from './chroma/errors.js';
import { CHROMA_NAME, collectionName } from './chroma/names.js';
import { translateWhere } from './chroma/where.js';

export { collectionName, CHROMA_NAME, MAX_COLLECTION_NAME } from './chroma/names.js';
export { translateWhere, FILTER_KEY, FILTER_LIMITS, type FilterCondition, type FilterScalar, type MetadataFilter } from './chroma/where.js';

/** Scalar metadata, as the contract allows it. */
export type VectorMetadata = Record<string, string | number | boolean>;

/** One chunk's vector. `metadata.docId` (a string) is required: it is how a document's vectors are found again. */
export interface VectorRecord {
  id: string;
  embedding: Float32Array | readonly number[];
  document: string;
  metadata: VectorMetadata;
}

/** A search hit. `score` = 1 - cosine distance (1 = same direction). */
export interface VectorHit {
  id: string;
  distance: number;
  score: number;
  document: string;
  metadata: VectorMetadata;
}

export interface ChromaIndexOptions {
  /** Upper bound on records per request, below the server's own maximum. @defaultValue no extra bound */
  maxBatchSize?: number;
}

/** The most neighbours one query may ask for (the contract's own limit is lower). */
export const MAX_K = 1_000;
/** Floats per upsert request: keeps a batch of large vectors to tens of megabytes. */
const MAX_FLOATS_PER_REQUEST = 2_000_000;
/** When the server does not say (older servers). */
const FALLBACK_BATCH = 1_000;

/**
 * Chunk vectors in Chroma, one collection per docflow collection, model and dimension (see
 * `collectionName`), always in cosine space and never with a server-side embedding function: docflow
 * embeds itself. Errors are DocflowErrors: ERR_STORE_UNAVAILABLE (retryable) when the server cannot be
 * reached, ERR_QUERY_INVALID / ERR_QUERY_COLLECTION for bad searches, ERR_STORE_QUERY otherwise.
 */
export class ChromaIndex {
  readonly #client: ChromaClient;
  readonly #target: string;
  readonly #cap: number;
  readonly #handles = new Map<string, Collection>();
  #maxBatch: Promise<number> | undefined;

  /**
   * A client for the server at `url` (http(s)://host:port). Nothing is sent yet: an unreachable server
   * shows on first use (or use `connect`). A malformed url is ERR_CONFIG_INVALID.
   */
  constructor(url: string, opts: ChromaIndexOptions = {}) {
    let u: URL;
    try {
      u = new URL(url);
      if (u.protocol !== 'http:' && u.protocol !== 'https:') throw new Error(`unsupported protocol ${u.protocol}`);
    } catch (err) {
      throw new DocflowError('ERR_CONFIG_INVALID', `chroma url ${JSON.stringify(redactUrl(url))} is not an http(s)://host:port address`, { cause: err });
    }
    const ssl = u.protocol === 'https:';
    this.#client = new ChromaClient({ host: u.hostname, port: Number(u.port) || (ssl ? 443 : 80), ssl });
    this.#target = redactUrl(url);
    this.#cap = opts.maxBatchSize ?? Number.POSITIVE_INFINITY;
  }

  /** A client for the server at `url`, checked with a heartbeat (ERR_STORE_UNAVAILABLE if it does not answer). */
  static async connect(url: string, opts: ChromaIndexOptions = {}): Promise<ChromaIndex> {
    const index = new ChromaIndex(url, opts);
    await index.heartbeat();
    return index;
  }

  /** The collection for a docflow collection, model and dimension: `collectionName`, here for callers that only hold an index. */
  collectionName(base: string, model: string, dimension: number): string {
    return collectionName(base, model, dimension);
  }

  /** Resolves when the server answers. */
  async heartbeat(): Promise<void> {
    try {
      await this.#client.heartbeat();
    } catch (err) {
      throw toChromaError(err, 'heartbeat', this.#target);
    }
  }

  /** The largest number of records sent in one request: the server's limit (asked once), or less. */
  async maxBatchSize(): Promise<number> {
    this.#maxBatch ??= this.#client.getMaxBatchSize().then(
      (n) => Math.min(n > 0 ? n : FALLBACK_BATCH, this.#cap),
      (err: unknown) => {
        this.#maxBatch = undefined;
        throw toChromaError(err, 'pre-flight checks', this.#target);
      },
    );
    return this.#maxBatch;
  }

  /** Insert or replace vectors, creating the collection on first use; split into batches the server accepts. */
  async upsert(collection: string, records: readonly VectorRecord[]): Promise<void> {
    checkName(collection);
    if (records.length === 0) return;
    const dimension = checkRecords(records);
    const size = Math.max(1, Math.min(await this.maxBatchSize(), Math.floor(MAX_FLOATS_PER_REQUEST / dimension)));
    for (let i = 0; i < records.length; i += size) {
      const batch = records.slice(i, i + size);
      await this.#with(collection, true, 'upsert', (col) =>
        col.upsert({
          ids: batch.map((r) => r.id),
          embeddings: batch.map((r) => Array.from(r.embedding)),
          documents: batch.map((r) => r.document),
          metadatas: batch.map((r) => ({ ...r.metadata })),
        }),
      );
    }
  }

  /** Delete the vectors of document `docId` whose ids are not in `keepIds`; returns the ids deleted. */
  async deleteWhereDoc(collection: string, docId: string, keepIds: readonly string[]): Promise<string[]> {
    checkName(collection);
    if (typeof docId !== 'string' || docId === '') throw new DocflowError('ERR_STORE_QUERY', 'deleteWhereDoc needs a non-empty docId');
    const found = await this.#with(collection, false, 'get', (col) => col.get({ where: { docId: { $eq: docId } }, include: [] }));
    if (!found) return [];
    const keep = new Set(keepIds);
    const stale = found.ids.filter((id) => !keep.has(id));
    const size = await this.maxBatchSize();
    for (let i = 0; i < stale.length; i += size) {
      const ids = stale.slice(i, i + size);
      await this.#with(collection, false, 'delete', (col) => col.delete({ ids }));
    }
    return stale;
  }

  /**
   * The `k` nearest chunks to `vector`, best first, optionally filtered by the contract's `where`
   * (validated here: ERR_QUERY_INVALID). A missing collection is ERR_QUERY_COLLECTION.
   */
  async query(collection: string, vector: Float32Array | readonly number[], k: number, where?: unknown): Promise<VectorHit[]> {
    const filter = translateWhere(where);
    if (!Number.isInteger(k) || k < 1) throw new DocflowError('ERR_QUERY_INVALID', `k must be a positive integer (got ${String(k)})`);
    if (k > MAX_K) throw new DocflowError('ERR_QUERY_LIMIT', `k is at most ${MAX_K} (got ${k})`);
    const embedding = Array.from(vector as ArrayLike<number>);
    if (embedding.length === 0 || !embedding.every((x) => typeof x === 'number' && Number.isFinite(x))) {
      throw new DocflowError('ERR_QUERY_INVALID', 'the query vector must be a non-empty array of finite numbers');
    }
    checkName(collection);
    let res;
    try {
      res = await this.#with(collection, false, 'query', (col) =>
        col.query({ queryEmbeddings: [embedding], nResults: k, ...(filter ? { where: filter } : {}), include: ['documents', 'metadatas', 'distances'] }),
      );
    } catch (err) {
      if (err instanceof DocflowError && err.code === 'ERR_STORE_QUERY' && /dimension/i.test(err.message)) {
        throw new DocflowError('ERR_QUERY_INVALID', `the query vector has ${embedding.length} dimensions, which is not the collection's: ${err.message}`, { cause: err });
      }
      throw err;
    }
    if (!res) throw new DocflowError('ERR_QUERY_COLLECTION', `no collection ${collection} in Chroma: nothing was indexed there yet`);
    const ids = res.ids[0] ?? [];
    return ids.map((id, i) => {
      const distance = res.distances[0]?.[i] ?? Number.NaN;
      return { id, distance, score: 1 - distance, document: res.documents[0]?.[i] ?? '', metadata: (res.metadatas[0]?.[i] ?? {}) as VectorMetadata };
    });
  }

  /** Vectors in the collection (0 when it does not exist). */
  async count(collection: string): Promise<number> {
    checkName(collection);
    return (await this.#with(collection, false, 'count', (col) => col.count())) ?? 0;
  }

  /** Names of all collections on the server. */
  async listCollections(): Promise<string[]> {
    const names: string[] = [];
    const page = 100;
    for (let offset = 0; ; offset += page) {
      let batch: Collection[];
      try {
        batch = await this.#client.listCollections({ limit: page, offset });
      } catch (err) {
        throw toChromaError(err, 'list collections', this.#target);
      }
      names.push(...batch.map((c) => c.name));
      if (batch.length < page) return names;
    }
  }

  /** Drop a collection and its vectors (nothing happens when it does not exist). */
  async deleteCollection(collection: string): Promise<void> {
    this.#handles.delete(collection);
    try {
      await this.#client.deleteCollection({ name: collection });
    } catch (err) {
      if (!isNotFound(err)) throw toChromaError(err, 'delete collection', this.#target);
    }
  }

  /**
   * Run `fn` on the collection's handle (cached). Resolves undefined when the collection does not
   * exist and `create` is false. A handle gone stale (collection dropped and made again elsewhere) is
   * reopened once.
   */
  async #with<T>(name: string, create: boolean, what: string, fn: (col: Collection) => Promise<T>): Promise<T | undefined> {
    for (let attempt = 1; ; attempt++) {
      const col = await this.#open(name, create);
      if (!col) return undefined;
      try {
        return await fn(col);
      } catch (err) {
        if (isNotFound(err) && attempt === 1) {
          this.#handles.delete(name);
          continue;
        }
        throw toChromaError(err, `${what} on ${name}`, this.#target);
      }
    }
  }

  async #open(name: string, create: boolean): Promise<Collection | undefined> {
    const cached = this.#handles.get(name);
    if (cached) return cached;
    let col: Collection;
    try {
      // ef_search 200 (Chroma's default is 100): the lexical hash vectors are sparse and high-dimensional,
      // where HNSW at 100 now and then misses the best chunk of a search by far; a wider search costs
      // little at query time and nothing at ingest.
      col = create
        ? await this.#client.getOrCreateCollection({ name, embeddingFunction: null, configuration: { hnsw: { space: 'cosine', ef_search: 200 } } })
        : await this.#client.getCollection({ name });
    } catch (err) {
      if (!create && isNotFound(err)) return undefined;
      throw toChromaError(err, `open collection ${name}`, this.#target);
    }
    const space = col.configuration?.hnsw?.space ?? col.configuration?.spann?.space;
    if (space !== 'cosine') {
      throw new DocflowError('ERR_STORE_QUERY', `Chroma collection ${name} measures ${space ?? 'unknown'} distance but docflow needs cosine: delete the collection (it was not made by docflow) or use another collection name`);
    }
    this.#handles.set(name, col);
    return col;
  }
}

function checkName(name: string): void {
  if (typeof name !== 'string' || !CHROMA_NAME.test(name)) {
    throw new DocflowError('ERR_STORE_QUERY', `${JSON.stringify(name)} is not a valid Chroma collection name: make it with collectionName()`);
  }
}

/** Every record well-formed and of one dimension, which is returned. */
function checkRecords(records: readonly VectorRecord[]): number {
  const problems: string[] = [];
  const dimension = records[0]?.embedding.length ?? 0;
  const seen = new Set<string>();
  records.forEach((r, i) => {
    const at = `record ${i} (${JSON.stringify(String(r.id).slice(0, 64))})`;
    if (typeof r.id !== 'string' || r.id === '') problems.push(`${at}: id must be a non-empty string`);
    else if (seen.has(r.id)) problems.push(`${at}: id appears twice`);
    seen.add(r.id);
    if (r.embedding.length !== dimension || dimension === 0) problems.push(`${at}: embedding has ${r.embedding.length} dimensions, the first has ${dimension}`);
    else if (!Array.prototype.every.call(r.embedding, (x: unknown) => typeof x === 'number' && Number.isFinite(x))) problems.push(`${at}: embedding values must be finite numbers`);
    if (typeof r.document !== 'string') problems.push(`${at}: document must be a string`);
    if (typeof r.metadata?.['docId'] !== 'string' || r.metadata['docId'] === '') problems.push(`${at}: metadata.docId must be a non-empty string`);
    for (const [key, value] of Object.entries(r.metadata ?? {})) {
      const ok = typeof value === 'string' || typeof value === 'boolean' || (typeof value === 'number' && Number.isFinite(value));
      if (!ok) problems.push(`${at}: metadata ${JSON.stringify(key)} must be a string, a finite number or a boolean`);
    }
  });
  if (problems.length > 0) {
    throw new DocflowError('ERR_STORE_QUERY', `cannot upsert vectors: ${problems.slice(0, 5).join('; ')}${problems.length > 5 ? ` (and ${problems.length - 5} more)` : ''}`, { details: problems });
  }
  return dimension;
}
