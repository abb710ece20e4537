import { createExtractActor } from '../../actors/extract/extract.actor.js';
import { createSplitActor } from '../../actors/split/split.actor.js';
import { createEmbedActor, float32FromBytes } from '../../actors/embed/embed.actor.js';
import { createIndexActor } from '../../actors/index/index.actor.js';
import { createLoadActor } from '../../actors/load/load.actor.js';
import { createSearchActor } from '../../actors/query/search.actor.js';
import { createKnowledgeActor } from '../../actors/knowledge/knowledge.actor.js';
import { fromChunks } from '../../actors/knowledge/chunks-to-knowledge.actor.js';
import { createEntitiesActor } from '../../actors/query/entities.actor.js';
import { createRelationsActor } from '../../actors/query/relations.actor.js';
import { createPathsActor } from '../../actors/query/paths.actor.js';
import { createDocumentsActor } from '../../actors/query/documents.actor.js';
import type { ExtractedKnowledge, KnowledgeChunk } from '../knowledge/index.js';
import { DocumentsReply, EntitiesReply, PathsReply, QueryInput, RelationsReply } from '../messages/queries.js';
import { actorEndpoint } from '../actor/serve.js';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Config } from '../config/load.js';
import { DocflowError } from '../errors/index.js';
import type { WorkerPool } from '../pool/index.js';
import { EmbedBatcher, createEmbedder, type Embedder } from '../embed/index.js';
import { cacheKey, type Cache } from '../cache/index.js';
import { createHash } from 'node:crypto';
import type { Extracted, ExtractInput, ExtractOptions } from '../extract/index.js';
import type { Logger } from '../log.js';
import { SearchReply, SearchRequest } from '../messages/pipeline.js';
import type { MessageKind } from '../messages/index.js';
import type { StageHost } from '../runtime/stage-host.js';
import type { StageDefinition } from '../runtime/stage/types.js';
import type { Chunk, SplitOptions, SplitSection } from '../split/index.js';
import type { EndpointDef, Transport } from '../transport/index.js';
import type { PipelineStores } from './services.js';
import { UpsertBatcher } from './upsert-batcher.js';
import { embedStage, extractStage, indexStage, knowledgeStage, loadStage, splitStage, type PipelineStageName } from './stages.js';

const workerFile = (rel: string) => new URL(`../${rel}`, import.meta.url);

/**
 * Run a task on a stage's pool, waiting (not failing) while its queue is full: the stage's credit
 * already bounds the work in flight, so a full queue means "soon", and must not cost a delivery attempt.
 */
async function runWhenRoom<T>(pool: WorkerPool, task: unknown, signal: AbortSignal): Promise<T> {
  for (let wait = 5; ; wait = Math.min(wait * 2, 100)) {
    try {
      return await pool.run<T>(task, { signal });
    } catch (err) {
      if (!(err instanceof DocflowError && err.code === 'ERR_POOL_QUEUE_FULL') || signal.aborted) throw err;
      await sleep(wait, undefined, { signal });
    }
  }
}

/** The embedder of the configuration; the hash provider runs on the embed stage's worker threads. */
export function configEmbedder(config: Readonly<Config>, host?: StageHost): Embedder {
  const e = config.embed;
  if (e.provider === 'http') {
    const h = e.http;
    return createEmbedder({
      provider: 'http', url: h.url, model: h.model, ...(h.apiKey ? { apiKey: h.apiKey } : {}), dimension: e.dimension,
      maxBatchItems: h.maxBatchItems, maxBatchTokens: h.maxBatchTokens, maxConcurrency: h.maxConcurrency, timeoutMs: h.timeoutMs,
    });
  }
  const local = createEmbedder({ provider: 'hash', dimension: e.dimension });
  if (!host) return local;
  const pool = host.createPool('embed', workerFile('embed/worker.js'));
  return {
    model: local.model,
    dimension: local.dimension,
    async embed(texts, signal) {
      const packed = await runWhenRoom<Float32Array>(pool, { texts, dimension: e.dimension }, signal ?? new AbortController().signal);
      return texts.map((_, i) => packed.subarray(i * e.dimension, (i + 1) * e.dimension));
    },
  };
}

/**
 * Add the chosen pipeline stages to a host, with their worker pools (extract, split, embed) and the
 * embed stage's batcher; returns the query endpoints this process can serve.
 */
export async function addPipeline(host: StageHost, transport: Transport, config: Readonly<Config>, stores: PipelineStores | undefined, stages: readonly PipelineStageName[], log: Logger, signal: AbortSignal): Promise<{ endpoints: EndpointDef[]; close(): Promise<void> }> {
  const subject = (rel: string) => transport.subject(rel);
  const defs: StageDefinition<MessageKind, MessageKind>[] = [];
  // Stage definitions are typed by their messages; the host runs them all alike.
  const add = <I extends MessageKind, O extends MessageKind>(def: StageDefinition<I, O>) => defs.push(def as unknown as StageDefinition<MessageKind, MessageKind>);
  const closers: Array<() => Promise<void>> = [];
  const needStores = () => {
    if (!stores) throw new Error('the load, index and knowledge stages need PostgreSQL and Chroma');
    return stores;
  };
  const queryEmbedder = configEmbedder(config); // in this thread: one short text per query
  const model = queryEmbedder.model;
  const wanted = stages.filter((n) => n !== 'knowledge' || config.knowledge.enabled);
  for (const name of wanted) {
    switch (name) {
      case 'load': {
        const s = needStores();
        add(loadStage(createLoadActor({
          roots: config.load.roots, maxBytes: config.load.maxBytes, defaultCollection: config.index.collection, model,
          lookup: (docId) => s.documents.get(docId),
        }), subject));
        break;
      }
      case 'extract': {
        const pool = host.createPool('extract', workerFile('extract/worker.js'));
        const options: Partial<ExtractOptions> = { ...config.extract };
        const memo = stores ? extractMemo(stores.cache, options, config.cache.extractTtlMs) : undefined;
        add(extractStage(createExtractActor({
          options, ...(memo ? { memo } : {}),
          run: (task: ExtractInput & { options: Partial<ExtractOptions> }, sig) => runWhenRoom<Extracted>(pool, task, sig),
        }), subject));
        break;
      }
      case 'split': {
        const pool = host.createPool('split', workerFile('split/worker.js'));
        const options: Partial<SplitOptions> = { ...config.split };
        add(splitStage(createSplitActor({
          options, knowledge: config.knowledge.enabled,
          run: (task: { text: string; sections: SplitSection[]; options: Partial<SplitOptions> }, sig) => runWhenRoom<Chunk[]>(pool, task, sig),
        }), subject));
        break;
      }
      case 'embed': {
        const embedder = configEmbedder(config, host);
        const batcher = new EmbedBatcher(embedder, { batchSize: config.embed.batchSize, batchWaitMs: config.embed.batchWaitMs });
        const embedTexts = stores ? cachedEmbeddings(stores.cache, embedder, (texts, sig) => batcher.embed(texts, sig), config.cache.embeddingTtlMs) : (texts: readonly string[], sig: AbortSignal) => batcher.embed(texts, sig);
        host.addBatching('embed', { get settings() { return batcher.settings; }, tune: (p) => batcher.tune(p), stats: () => ({ ...batcher.stats() }) });
        closers.push(async () => { await batcher.close(); await embedder.close?.(); });
        add(embedStage(createEmbedActor({ model: embedder.model, dimension: embedder.dimension, embed: embedTexts }), subject));
        break;
      }
      case 'knowledge': {
        const s = needStores();
        const pool = host.createPool('knowledge', workerFile('knowledge/worker.js'));
        const k = config.knowledge;
        const options = { minTermCount: k.minTermCount, maxTermWords: k.maxTermWords, terms: k.terms, skipCode: k.skipCode };
        const actor = createKnowledgeActor({ store: s.knowledge, run: (chunks: KnowledgeChunk[], sig) => runWhenRoom<ExtractedKnowledge>(pool, { chunks, options }, sig) });
        add(knowledgeStage(fromChunks(actor)));
        break;
      }
      case 'index': {
        const s = needStores();
        // What search answered for a collection is stale once a document of it is indexed.
        // Awaited before `indexed` is reported, so a search after that result sees the document.
        // (invalidateTag never throws: a cache failure never fails a document.)
        const onIndexed = (collection: string) => s.cache.invalidateTag(`search:${collection}`);
        const index = new UpsertBatcher(s.index, { maxRecords: 512 });
        add(indexStage(createIndexActor({ index, documents: s.documents, onIndexed })));
        break;
      }
    }
  }
  for (const def of defs) await host.add(def);
  const endpoints: EndpointDef[] = [];
  if (stores) {
    const search = createSearchActor({
      model, dimension: config.embed.dimension, defaultCollection: config.index.collection, index: stores.index,
      embed: async (text, sig) => (await queryEmbedder.embed([text], sig))[0]!,
    });
    const cache = stores.cache;
    const cachedSearch: typeof search = {
      name: search.name,
      async handle(req, ctx) {
        const started = performance.now();
        const collection = req.collection ?? config.index.collection;
        const reply = await cache.getOrCompute(cacheKey('search', [model, req]), () => Promise.resolve(search.handle(req, ctx)), { ttlMs: config.cache.queryTtlMs, tags: [`search:${collection}`] });
        return { ...reply, tookMs: performance.now() - started };
      },
    };
    endpoints.push(actorEndpoint(cachedSearch, { subject: subject('query.search'), request: SearchRequest, reply: SearchReply, log, signal }));
    // The knowledge queries take any map and validate it themselves, so that a bad request gets its
    // ERR_QUERY_* code (sort, limits) rather than a generic schema error.
    const q = { request: QueryInput, log, signal };
    const documents = createDocumentsActor(stores.knowledge, { batchWaitMs: config.queries.documents.batchWaitMs, maxBatch: config.queries.documents.maxBatch });
    closers.push(async () => { await documents[Symbol.asyncDispose](); });
    endpoints.push(
      actorEndpoint(createEntitiesActor(stores.knowledge), { ...q, subject: subject('query.entities'), reply: EntitiesReply }),
      actorEndpoint(createRelationsActor(stores.knowledge), { ...q, subject: subject('query.relations'), reply: RelationsReply }),
      actorEndpoint(createPathsActor(stores.knowledge), { ...q, subject: subject('query.paths'), reply: PathsReply }),
      actorEndpoint(documents, { ...q, subject: subject('query.documents'), reply: DocumentsReply }),
    );
  }
  closers.push(async () => { await queryEmbedder.close?.(); });
  return { endpoints, close: async () => { for (const c of closers) await c(); } };
}

/**
 * Embeddings by (model, dimension, hash of the chunk text), looked up before the batcher and written
 * after it: a re-run, a redelivery or the same chunk in another document never pays twice.
 * Vectors are kept as their float32 bytes (plain msgpack bin).
 */
export function cachedEmbeddings(
  cache: Cache, embedder: Pick<Embedder, 'model' | 'dimension'>, embed: (texts: readonly string[], signal: AbortSignal) => Promise<Float32Array[]>, ttlMs: number,
): (texts: readonly string[], signal: AbortSignal) => Promise<Float32Array[]> {
  const prefix = `emb:${embedder.model}:${embedder.dimension}:`;
  return async (texts, signal) => {
    const keys = texts.map((t) => prefix + createHash('sha256').update(t).digest('hex'));
    const found = await cache.getMany<Uint8Array>(keys);
    const missing: number[] = [];
    const out: Array<Float32Array | undefined> = found.map((bytes, i) => {
      if (bytes instanceof Uint8Array && bytes.byteLength === embedder.dimension * 4) return float32FromBytes(bytes);
      missing.push(i);
      return undefined;
    });
    if (missing.length > 0) {
      const computed = await embed(missing.map((i) => texts[i]!), signal);
      missing.forEach((i, j) => {
        const v = computed[j]!;
        out[i] = v;
        void cache.set(keys[i]!, new Uint8Array(v.buffer.slice(v.byteOffset, v.byteOffset + v.byteLength)), { ttlMs });
      });
    }
    return out as Float32Array[];
  };
}

/** Extraction results by content hash and options: the same bytes are parsed once (single flight too). */
export function extractMemo(cache: Cache, options: Partial<ExtractOptions>, ttlMs: number) {
  const salt = createHash('sha256').update(JSON.stringify(options)).digest('hex').slice(0, 12);
  return <T>(contentHash: string, compute: () => Promise<T>): Promise<T> => cache.getOrCompute<T>(`ext:${salt}:${contentHash}`, compute, { ttlMs });
}
