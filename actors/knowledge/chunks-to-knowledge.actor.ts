import type { Actor } from '../../src/actor/types.js';
import type { KnowledgeInputMessage } from '../../src/messages/queries.js';
import type { ChunksMessage } from '../../src/messages/pipeline.js';
import { chunkId } from '../index/index.actor.js';

/**
 * The knowledge stage as the pipeline feeds it: the split stage's chunks, with the ids the index
 * stage stores them under, so that every mention points at a stored chunk.
 */
export function fromChunks(inner: Actor<KnowledgeInputMessage, never[]>): Actor<ChunksMessage, never[]> {
  return {
    name: inner.name,
    handle: (msg, ctx) => inner.handle({ docId: msg.docId, chunks: msg.chunks.map((c) => ({ id: chunkId(msg.docId, c.index), text: c.text })) }, ctx),
  };
}
