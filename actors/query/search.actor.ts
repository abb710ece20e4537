import type { Actor } from '../../src/actor/types.js';
import { DocflowError } from '../../src/errors/index.js';
import { MAX_SEARCH_K, type SearchReplyMessage, type SearchRequestMessage } from '../../src/messages/pipeline.js';

type MetaValue = string | number | boolean;

/** The vector store, as search uses it (Chroma). */
export interface VectorSearch {
  collectionName(base: string, model: string, dimension: number): string;
  query(collection: string, vector: Float32Array | number[], k: number, where?: Record<string, unknown>): Promise<Array<{ id: string; distance: number; document: string; metadata: Record<string, MetaValue> }>>;
}

export interface SearchActorOptions {
  model: string;
  dimension: number;
  defaultCollection: string;
  /** Embed the query text with the same embedder as the documents. */
  embed(text: string, signal: AbortSignal): Promise<Float32Array>;
  index: VectorSearch;
}

/** `docflow.query.search`: nearest chunks by cosine distance, best first, score = 1 - distance. */
export function createSearchActor(opts: SearchActorOptions): Actor<SearchRequestMessage, SearchReplyMessage> {
  return {
    name: 'search',
    async handle(req, ctx) {
      const started = performance.now();
      const k = req.k ?? 10;
      if (k > MAX_SEARCH_K) throw new DocflowError('ERR_QUERY_LIMIT', `k is at most ${MAX_SEARCH_K} (got ${k}): ask for fewer results, or narrow them with where`, { details: { k, max: MAX_SEARCH_K } });
      // Blank text would be embedded as the embedder's fixed vector for "nothing" and match at random.
      if (req.vector === undefined && (req.text ?? '').trim() === '') throw new DocflowError('ERR_QUERY_INVALID', 'the query text is blank: there is nothing to search for');
      const vector = req.vector ?? await opts.embed(req.text ?? '', ctx.signal);
      if (vector.length !== opts.dimension) {
        throw new DocflowError('ERR_QUERY_INVALID', `the query vector has ${vector.length} dimensions; the collection's model ${opts.model} has ${opts.dimension}`);
      }
      // A zero vector has no direction to compare with: every distance would be the same noise.
      if (!vector.some((x) => x !== 0)) throw new DocflowError('ERR_QUERY_INVALID', 'the query vector is all zeros: it has no direction to compare with');
      const collection = opts.index.collectionName(req.collection ?? opts.defaultCollection, opts.model, opts.dimension);
      const hits = await opts.index.query(collection, vector, k, req.where);
      return {
        results: hits.map((h) => ({ id: h.id, docId: String(h.metadata['docId'] ?? ''), score: 1 - h.distance, distance: h.distance, text: h.document, metadata: h.metadata })),
        tookMs: performance.now() - started,
        collection: req.collection ?? opts.defaultCollection,
        model: opts.model,
      };
    },
  };
}
