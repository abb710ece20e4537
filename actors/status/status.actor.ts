import type { Actor } from '../../src/actor/types.js';
import type { DocflowError } from '../../src/errors/index.js';
import type { Logger } from '../../src/log.js';
import type { NodeIdentityMessage, StatusReplyMessage } from '../../src/messages/index.js';

type StageStatus = StatusReplyMessage['stages'][number];
type StreamStatus = NonNullable<StatusReplyMessage['streams']>[number];

/** Where the status actor reads its figures from; the runtime provides them. */
export interface StatusSources {
  version: string;
  /** This process, as a deployment's status names it. */
  node?: NodeIdentityMessage;
  startedAt: number;
  /** The supervised stages. */
  stages(): StageStatus[] | Promise<StageStatus[]>;
  /** The bus this node is connected to. */
  nats(): { server: string; jetstream: boolean; connected: boolean; maxPayload: number };
  /** Memory level and figures, from the memory monitor. */
  memory(): { level: string; rssBytes: number; heapUsedBytes: number; slopeBytesPerSec: number; limitBytes: number };
  /** Worker pools, batching, store connections: figures that only some processes have. */
  extras?(): Record<string, unknown> | Promise<Record<string, unknown>>;
}

/** This process's status: stages with their supervision state and counters, memory, connection, pools (`docflow.node.status`). */
export function createStatusActor(src: StatusSources): Actor<{ verbose?: boolean | undefined }, StatusReplyMessage> {
  return {
    name: 'status',
    async handle() {
      return {
        version: src.version,
        ...(src.node ? { node: src.node } : {}),
        uptimeMs: Date.now() - src.startedAt,
        stages: await src.stages(),
        memory: src.memory(),
        nats: src.nats(),
        ...(src.extras ? await src.extras() : {}),
      };
    },
  };
}

/** One process's answer to a request every process answers. */
export type NodeAnswer<R> = { ok: true; reply: R } | { ok: false; error: DocflowError };

/** `host:pid`: how a deployment's status and tune name a process. */
export function nodeLabel(node: NodeIdentityMessage | undefined): string {
  return node ? `${node.host}:${node.pid}` : 'this process';
}

/**
 * Every process's status, this one's first, then by `host:pid`: what `gather` collects (this process
 * answers too, on the same subject as the others), or, when asking fails or this process's answer is
 * missing, this one's from `own`.
 */
export async function deploymentStatuses(opts: {
  /** This process's node id. */
  self: string;
  own(): Promise<StatusReplyMessage> | StatusReplyMessage;
  gather(): Promise<Array<NodeAnswer<StatusReplyMessage>>>;
  log: Logger;
}): Promise<StatusReplyMessage[]> {
  const answers = await opts.gather().catch((err: unknown) => {
    opts.log.warn({ err }, 'could not ask the other processes for their status: this one\'s alone');
    return [];
  });
  const byId = new Map<string, StatusReplyMessage>();
  for (const a of answers) {
    if (!a.ok) opts.log.warn({ err: a.error.toInfo() }, 'a process answered the status request with an error');
    else if (a.reply.node !== undefined) byId.set(a.reply.node.id, a.reply);
  }
  const mine = byId.get(opts.self) ?? await opts.own();
  byId.delete(opts.self);
  return [mine, ...[...byId.values()].sort((a, b) => nodeLabel(a.node).localeCompare(nodeLabel(b.node)))];
}

/**
 * Answers `docflow.status` for the whole deployment ({@link deploymentStatuses}, merged). `stages`
 * lists every process's stages, each with its `node`; `nodes` has each process's own figures, this
 * one first; memory and pools at the top are this process's, and the streams (the deployment's) are
 * read here, once.
 */
export function createDeploymentStatusActor(opts: {
  self: string;
  /** This process's status (without streams). */
  own: Actor<{ verbose?: boolean | undefined }, StatusReplyMessage>;
  gather(): Promise<Array<NodeAnswer<StatusReplyMessage>>>;
  /** Message and byte counts of the configured streams. */
  streams(): Promise<StreamStatus[]>;
}): Actor<{ verbose?: boolean | undefined }, StatusReplyMessage> {
  return {
    name: 'status',
    async handle(req, ctx) {
      const [all, streams] = await Promise.all([
        deploymentStatuses({ self: opts.self, own: () => opts.own.handle(req, ctx), gather: opts.gather, log: ctx.log }),
        opts.streams(),
      ]);
      return {
        ...all[0]!,
        streams,
        stages: all.flatMap((s) => s.stages.map((st) => ({ ...st, node: nodeLabel(s.node) }))),
        nodes: all.flatMap(({ streams: _streams, nodes: _nodes, ...s }) => (s.node ? [{ ...s, node: s.node }] : [])),
      };
    },
  };
}
