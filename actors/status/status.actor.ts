import type { Actor } from '../../src/actor/types.js';
import type { DocflowError } from '../../src/errors/index.js';
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
  /** Message and byte counts of the configured streams (the deployment's: one process reports them). */
  streams?(): Promise<StreamStatus[]>;
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
        ...(src.node ? { node: src.node } : {}),
        uptimeMs: Date.now() - src.startedAt,
        stages: await src.stages(),
        memory: src.memory(),
        nats: src.nats(),
        ...(src.streams ? { streams: await src.streams() } : {}),
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
 * Answers `docflow.status` for the whole deployment: asks every process (`gather`, on a subject each
 * answers) and merges their statuses. `stages` lists every process's stages, each with its `node`;
 * `nodes` has each process's own figures, this one first; memory, pools and streams at the top are
 * this process's (streams are the deployment's anyway). When asking the others fails, this
 * process's status alone.
 */
export function createDeploymentStatusActor(opts: {
  own: Actor<{ verbose?: boolean | undefined }, StatusReplyMessage>;
  gather(): Promise<Array<NodeAnswer<StatusReplyMessage>>>;
}): Actor<{ verbose?: boolean | undefined }, StatusReplyMessage> {
  return {
    name: 'status',
    async handle(req, ctx) {
      const [own, answers] = await Promise.all([
        opts.own.handle(req, ctx),
        opts.gather().catch((err: unknown) => {
          ctx.log.warn({ err }, 'could not ask the other processes for their status: answering with this one\'s');
          return [];
        }),
      ]);
      const others = new Map<string, StatusReplyMessage & { node: NodeIdentityMessage }>();
      for (const a of answers) {
        if (!a.ok) {
          ctx.log.warn({ err: a.error.toInfo() }, 'a process answered the status request with an error');
          continue;
        }
        const node = a.reply.node;
        if (node !== undefined && node.id !== own.node?.id) others.set(node.id, { ...a.reply, node });
      }
      const all = [own, ...[...others.values()].sort((a, b) => nodeLabel(a.node).localeCompare(nodeLabel(b.node)))];
      return {
        ...own,
        stages: all.flatMap((s) => s.stages.map((st) => ({ ...st, node: nodeLabel(s.node) }))),
        nodes: all.flatMap(({ streams: _streams, nodes: _nodes, ...s }) => (s.node ? [{ ...s, node: s.node }] : [])),
      };
    },
  };
}
