import type { Actor } from '../../src/actor/types.js';
import type { StatusReplyMessage } from '../../src/messages/index.js';

type StageStatus = StatusReplyMessage['stages'][number];
type StreamStatus = NonNullable<StatusReplyMessage['streams']>[number];

/** Where the status actor reads its figures from; the runtime provides them. */
export interface StatusSources {
  version: string;
  startedAt: number;
  /** The supervised stages. */
  stages(): StageStatus[] | Promise<StageStatus[]>;
  /** Message and byte counts of the configured streams. */
  streams(): Promise<StreamStatus[]>;
  /** The bus this node is connected to. */
  nats(): { server: string; jetstream: boolean; connected: boolean; maxPayload: number };
  /** Memory level and figures, from the memory monitor. */
  memory(): { level: string; rssBytes: number; heapUsedBytes: number; slopeBytesPerSec: number; limitBytes: number };
  /** Worker pools, batching, store connections: figures that only some processes have. */
  extras?(): Record<string, unknown> | Promise<Record<string, unknown>>;
}

/** Answers `docflow.status`: stages with their supervision state and counters, memory, streams. */
export function createStatusActor(src: StatusSources): Actor<{ verbose?: boolean | undefined }, StatusReplyMessage> {
  return {
    name: 'status',
    async handle() {
      return {
        version: src.version,
        uptimeMs: Date.now() - src.startedAt,
        stages: await src.stages(),
        memory: src.memory(),
        nats: src.nats(),
        streams: await src.streams(),
        ...(src.extras ? await src.extras() : {}),
      };
    },
  };
}
