import type { Actor } from '../../src/actor/types.js';
import { DocflowError } from '../../src/errors/index.js';
import type { ExtractedKnowledge, KnowledgeChunk } from '../../src/knowledge/index.js';
import type { KnowledgeInputMessage } from '../../src/messages/queries.js';
import type { KnowledgeStore } from '../../src/stores/knowledge/index.js';

export interface KnowledgeActorOptions {
  /** Extract on a worker thread (a `WorkerPool` over `src/knowledge/worker.js`). */
  run(chunks: KnowledgeChunk[], signal: AbortSignal): Promise<ExtractedKnowledge>;
  store: Pick<KnowledgeStore, 'replaceDocument'>;
}

/**
 * The knowledge stage: reads a document's chunks for entities and relations on a worker, then makes
 * them the document's whole knowledge in one transaction (a re-ingested document replaces what it
 * said before; a redelivery writes the same again). Publishes nothing onward.
 */
export function createKnowledgeActor(opts: KnowledgeActorOptions): Actor<KnowledgeInputMessage, never[]> {
  return {
    name: 'knowledge',
    async handle(msg, ctx) {
      const started = performance.now();
      const extracted = await opts.run(msg.chunks, ctx.signal);
      if (ctx.signal.aborted) throw new DocflowError('ERR_ABORTED', `knowledge extraction of ${msg.docId} was cancelled`);
      const written = await opts.store.replaceDocument(msg.docId, extracted);
      const elapsedMs = performance.now() - started;
      ctx.log.debug({ docId: msg.docId, ...written, elapsedMs }, 'knowledge stored');
      ctx.emit({ type: 'knowledge', docId: msg.docId, ...written, elapsedMs });
      return [];
    },
  };
}
