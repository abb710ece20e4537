import type { Actor } from '../../src/actor/types.js';
import { DocflowError } from '../../src/errors/index.js';
import type { ChunksMessage, EmbeddedMessage } from '../../src/messages/pipeline.js';
import { docFields } from '../doc-fields.js';

export interface EmbedActorOptions {
  model: string;
  dimension: number;
  /** Embed texts: the stage's batcher, which coalesces the chunks of concurrent documents into batches. */
  embed(texts: readonly string[], signal: AbortSignal): Promise<Float32Array[]>;
}

/** The embed stage: one vector per chunk, packed as float32 little-endian for the index stage. */
export function createEmbedActor(opts: EmbedActorOptions): Actor<ChunksMessage, EmbeddedMessage[]> {
  return {
    name: 'embed',
    async handle(msg, ctx) {
      const started = performance.now();
      const vectors = msg.chunks.length > 0 ? await opts.embed(msg.chunks.map((c) => c.text), ctx.signal) : [];
      if (vectors.length !== msg.chunks.length) throw new DocflowError('ERR_EMBED_BAD_RESPONSE', `got ${vectors.length} vectors for ${msg.chunks.length} chunks of ${msg.docId}`);
      const packed = new Float32Array(vectors.length * opts.dimension);
      vectors.forEach((v, i) => {
        if (v.length !== opts.dimension) throw new DocflowError('ERR_EMBED_DIMENSION', `a vector of ${v.length} dimensions, expected ${opts.dimension} (model ${opts.model})`);
        packed.set(v, i * opts.dimension);
      });
      return [{
        ...docFields(msg, 'embed', performance.now() - started), format: msg.format, ...(msg.title ? { title: msg.title } : {}),
        chunks: msg.chunks, model: opts.model, dimension: opts.dimension, vectors: new Uint8Array(packed.buffer, packed.byteOffset, packed.byteLength),
      }];
    },
  };
}

/** Float32 values from their bytes, copied out: decoded bytes may be unaligned views of a shared buffer. */
export function float32FromBytes(bytes: Uint8Array): Float32Array {
  const copy = new Uint8Array(bytes.byteLength); // Buffer#slice would share, not copy
  copy.set(bytes);
  return new Float32Array(copy.buffer);
}

/** The vectors of an `embedded` message. */
export function unpackVectors(msg: Pick<EmbeddedMessage, 'vectors' | 'dimension' | 'chunks'>): Float32Array[] {
  const all = float32FromBytes(msg.vectors);
  return msg.chunks.map((_, i) => all.subarray(i * msg.dimension, (i + 1) * msg.dimension));
}
