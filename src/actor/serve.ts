import type { Logger } from '../log.js';
import type { MessageKind, MessageOf } from '../messages/index.js';
import type { EndpointDef } from '../transport/index.js';
import type { Actor, ActorContext } from './types.js';

/** Bind an actor to a request/reply subject: each request is one `handle` call. */
export function actorEndpoint<Q extends MessageKind, R extends MessageKind>(
  actor: Actor<MessageOf<Q>, MessageOf<R>>,
  opts: { subject: string; request: Q; reply: R; log: Logger; signal: AbortSignal; name?: string; queue?: string },
): EndpointDef {
  const log = opts.log.child({ actor: actor.name });
  const ctx: ActorContext = {
    signal: opts.signal,
    log,
    emit: (event) => log.debug({ event }, 'actor event'),
  };
  const def: EndpointDef<Q, R> = {
    name: opts.name ?? actor.name,
    subject: opts.subject,
    ...(opts.queue !== undefined ? { queue: opts.queue } : {}),
    request: opts.request,
    reply: opts.reply,
    handler: (req) => actor.handle(req, ctx),
  };
  return def as unknown as EndpointDef;
}
