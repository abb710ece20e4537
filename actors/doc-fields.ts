import type { LoadedMessage } from '../src/messages/pipeline.js';

/** The fields every stage message carries about its document, taken from the stage's input. */
export type DocFields = Omit<LoadedMessage, 'data'>;

/** Copy the document fields of a stage input, adding this stage's time to `timings`. */
export function docFields(msg: DocFields, stage: string, ms: number): DocFields {
  return {
    docId: msg.docId, source: msg.source, ...(msg.name !== undefined ? { name: msg.name } : {}), ...(msg.mime !== undefined ? { mime: msg.mime } : {}),
    metadata: msg.metadata, collection: msg.collection, priority: msg.priority, contentHash: msg.contentHash, bytes: msg.bytes,
    acceptedAt: msg.acceptedAt, ingestSeq: msg.ingestSeq, ...(msg.known !== undefined ? { known: msg.known } : {}),
    ...(msg.previousCollection !== undefined ? { previousCollection: msg.previousCollection } : {}), timings: { ...msg.timings, [stage]: ms },
  };
}
