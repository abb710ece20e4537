import type { Actor } from '../../actor/types.js';
import type { MessageKind, MessageOf } from '../../messages/index.js';

/** Run-time settings of a stage; every one can be tuned while it runs. */
export interface StageSettings {
  /** Messages handled at once (the message credit). */
  concurrency: number;
  /** Bytes of input held at once (the byte credit). */
  maxBytesInFlight: number;
  /** A task running longer is aborted and retried. */
  taskTimeoutMs: number;
  /** How often a running task tells JetStream it is still working (must be well under ackWait). */
  progressIntervalMs: number;
  /** On stop or restart: how long in-flight work may finish before it is nak'ed for redelivery. */
  drainGraceMs: number;
  /** Delay before redelivery of a retryable failure: base·2^(attempt-1), capped, with jitter. */
  retryBaseDelayMs: number;
  retryMaxDelayMs: number;
  retryJitter: number;
  /** With one consumer per priority: picks of higher levels a waiting level tolerates. @defaultValue 8 */
  starvationLimit?: number;
}

/** Where an output goes. */
export interface Emission<O> {
  subject: string;
  message: O;
  /** De-duplication id: the same input must produce the same ids, so a redelivery writes nothing new. */
  msgId?: string;
}

/** A stage: an actor bound to a durable consumer, with where its outputs go. */
export interface StageDefinition<In extends MessageKind, Out extends MessageKind> {
  /** Stage name, used in results, dead letters and status. */
  name: string;
  /** The configured durable consumer it pulls from, or one per priority level (served by priority). */
  consumer: string | Record<'critical' | 'high' | 'normal' | 'low', string>;
  /** The stream that consumer reads (config key), to fetch messages that crashed their worker. */
  stream: string;
  input: In;
  output: Out;
  actor: Actor<MessageOf<In>, MessageOf<Out>[]>;
  /** Subjects and ids for each output of one input. */
  route(out: MessageOf<Out>, input: MessageOf<In>, index: number): Emission<MessageOf<Out>>;
  /** The document an input belongs to, when it can be known (for results). */
  docId(input: MessageOf<In> | undefined): string | undefined;
  /**
   * The document a message that failed its schema names (its value decoded without the schema), so
   * that it still gets its `failed` result; default: its `docId` field.
   */
  docIdOfInvalid?(value: Readonly<Record<string, unknown>>): string | undefined;
  /** Fields added to this stage's `stage` result, from what it published (split: the branches it fed). */
  resultFields?(outputs: readonly MessageOf<Out>[]): { branches?: string[] };
  /**
   * A branch beside the line (knowledge): it never ends a document, so a document it gives up on is
   * reported on its `stage` result with the `error` (and dead-lettered as usual), not with a `failed`
   * result: every document keeps exactly one terminal status, the line's.
   */
  branch?: boolean;
}

/** Counters of one stage, for status and metrics. */
export interface StageStats {
  name: string;
  state: string;
  inFlight: number;
  processed: number;
  failed: number;
  retried: number;
  deadLettered: number;
  /** Completed per second over the last window. */
  rate: number;
  /** Mean handling time of the last window, ms. */
  meanMs: number;
}
