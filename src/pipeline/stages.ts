import type { Actor } from '../actor/types.js';
import { BRANCH_STAGES, Ingest, PIPELINE_STAGES, Result, type IngestMessage, type MessageKind, type MessageOf } from '../messages/index.js';
import { Chunks, Embedded, Extracted, Loaded, type ChunksMessage, type EmbeddedMessage, type ExtractedMessage, type LoadedMessage } from '../messages/pipeline.js';
import type { StageDefinition } from '../runtime/stage/types.js';
import { deriveDocId } from '../../actors/load/doc-id.js';

/** Every stage docflow runs: the contract's five (`PIPELINE_STAGES`), and `knowledge`, a branch beside embed fed by split. */
export const ALL_STAGES = [...PIPELINE_STAGES, ...BRANCH_STAGES] as const;
export type PipelineStageName = (typeof ALL_STAGES)[number];

export function isPipelineStage(name: string): name is PipelineStageName {
  return (ALL_STAGES as readonly string[]).includes(name);
}

/** The durable consumers of a stage after load: one per priority level (config `consumers.<stage>-<level>`). */
function priorityConsumers(stage: string) {
  return { critical: `${stage}-critical`, high: `${stage}-high`, normal: `${stage}-normal`, low: `${stage}-low` };
}

type Subject = (rel: string) => string;
type DocOut = { docId: string; priority: string; ingestSeq: number };

/**
 * Where a stage's output goes: the next stage's subject at the document's priority, with a
 * de-duplication id naming this run of the document, so a redelivered input publishes nothing new.
 */
function toNext<O extends DocOut>(subject: Subject, next: PipelineStageName) {
  return (out: O) => ({ subject: subject(`stage.${next}.${out.priority}`), message: out, msgId: `${next}:${out.docId}:${out.ingestSeq}` });
}

export function loadStage(actor: Actor<IngestMessage, LoadedMessage[]>, subject: Subject): StageDefinition<typeof Ingest, typeof Loaded> {
  return {
    name: 'load', consumer: 'load', stream: 'INGEST', input: Ingest, output: Loaded, actor,
    route: toNext<LoadedMessage>(subject, 'extract'),
    docId: (input) => (input ? deriveDocId(input).docId : undefined),
    // an ingest message that breaks its schema still names its document: by its `id`, or derived
    // from its `uri` or `text` as a client derives it to follow the results
    docIdOfInvalid: (value) => {
      const [id, uri, text] = [value['id'], value['uri'], value['text']];
      if (typeof id === 'string') return deriveDocId({ id }).docId;
      if (id !== undefined) return undefined;
      if (typeof uri === 'string') return deriveDocId({ uri }).docId;
      return typeof text === 'string' ? deriveDocId({ text }).docId : undefined;
    },
  };
}

function middle<In extends MessageKind, Out extends MessageKind>(
  name: PipelineStageName, next: PipelineStageName, input: In, output: Out, actor: Actor<MessageOf<In>, MessageOf<Out>[]>, subject: Subject,
): StageDefinition<In, Out> {
  return {
    name, consumer: priorityConsumers(name), stream: 'PIPELINE', input, output, actor,
    route: toNext(subject, next) as unknown as StageDefinition<In, Out>['route'],
    docId: (m) => (m as { docId?: string } | undefined)?.docId,
  };
}

export const extractStage = (actor: Actor<LoadedMessage, ExtractedMessage[]>, subject: Subject) => middle('extract', 'split', Loaded, Extracted, actor, subject);
/**
 * Split feeds embed and, when `knowledge` is on, the knowledge branch: the actor returns the chunks
 * once per branch, the first to embed, the second to knowledge.
 */
export function splitStage(actor: Actor<ExtractedMessage, ChunksMessage[]>, subject: Subject): StageDefinition<typeof Extracted, typeof Chunks> {
  const def = middle('split', 'embed', Extracted, Chunks, actor, subject);
  const toEmbed = toNext<ChunksMessage>(subject, 'embed');
  const toKnowledge = toNext<ChunksMessage>(subject, 'knowledge');
  return {
    ...def,
    route: (out, _input, i) => (i === 0 ? toEmbed(out) : toKnowledge(out)),
    // announced on split's `stage` result, so that an ingest knows to wait for the branch's result too
    resultFields: (outputs) => (outputs.length > 1 ? { branches: ['knowledge'] } : {}),
  };
}

/** The knowledge branch: entities and relations of a document's chunks; publishes nothing onward. */
export function knowledgeStage(actor: Actor<ChunksMessage, never[]>): StageDefinition<typeof Chunks, typeof Result> {
  return {
    name: 'knowledge', consumer: priorityConsumers('knowledge'), stream: 'PIPELINE', input: Chunks, output: Result, actor,
    branch: true, // its failure is reported on its `stage` result; the document's one terminal is index's
    route: () => { throw new Error('the knowledge stage has no onward output'); },
    docId: (m) => m?.docId,
  };
}
export const embedStage = (actor: Actor<ChunksMessage, EmbeddedMessage[]>, subject: Subject) => middle('embed', 'index', Chunks, Embedded, actor, subject);

/** The last stage publishes no message onward, only the terminal result. */
export function indexStage(actor: Actor<EmbeddedMessage, never[]>): StageDefinition<typeof Embedded, typeof Result> {
  return {
    name: 'index', consumer: priorityConsumers('index'), stream: 'PIPELINE', input: Embedded, output: Result, actor,
    route: () => { throw new Error('the index stage has no onward output'); },
    docId: (m) => m?.docId,
  };
}
