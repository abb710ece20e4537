import { NoRespondersError, TimeoutError, RequestError, type NatsConnection, type Msg } from '@nats-io/transport-node';
import { Svcm, type ServiceMsg } from '@nats-io/services';
import type { Codec } from '../codec/index.js';
import { DocflowError, TransportError, toDocflowError } from '../errors/index.js';
import type { Logger } from '../log.js';
import { ErrorReply, type MessageKind, type MessageOf } from '../messages/index.js';
import { readHeaders, writeHeaders } from './headers.js';
import { permissionViolation } from './connect.js';
import type { ReplyMux } from './reply-mux.js';

/** A NATS micro-service: name and version show in `$SRV.INFO`; `queue` spreads requests over instances. */
export interface ServiceDef {
  name: string;
  version: string;
  description?: string;
  /** Queue group. @defaultValue 'q' */
  queue?: string;
}

/** One endpoint: its subject, the kinds it reads and writes, and the handler. */
export interface EndpointDef<Q extends MessageKind = MessageKind, R extends MessageKind = MessageKind> {
  name: string;
  subject: string;
  /** Queue group: one of the service's instances answers. @defaultValue the service's (ServiceDef.queue); a name unique to the instance makes every instance answer (Transport.requestAll) */
  queue?: string;
  request: Q;
  reply: R;
  handler: (req: MessageOf<Q>, info: { subject: string; headers: Record<string, string> }) => Promise<MessageOf<R>> | MessageOf<R>;
}

export interface ServiceHandle {
  stop(): Promise<void>;
}

/** Declare an endpoint with its types checked. */
export function endpoint<Q extends MessageKind, R extends MessageKind>(def: EndpointDef<Q, R>): EndpointDef {
  return def as unknown as EndpointDef;
}

export async function serveEndpoints(nc: NatsConnection, codec: Codec, log: Logger, def: ServiceDef, endpoints: EndpointDef[]): Promise<ServiceHandle> {
  const service = await new Svcm(nc).add({ name: def.name, version: def.version, description: def.description ?? '', queue: def.queue ?? 'q' });
  for (const ep of endpoints) {
    service.addEndpoint(ep.name, {
      subject: ep.subject,
      ...(ep.queue !== undefined ? { queue: ep.queue } : {}),
      handler: (err, msg) => {
        if (err) return void log.error({ err, endpoint: ep.name }, 'service endpoint failed');
        void answer(codec, log, ep, msg);
      },
    });
  }
  return { stop: async () => void (await service.stop()) };
}

async function answer(codec: Codec, log: Logger, ep: EndpointDef, msg: ServiceMsg): Promise<void> {
  const headers = readHeaders(msg.headers);
  try {
    const req = codec.decode(ep.request, msg.data, headers);
    const reply = await ep.handler(req, { subject: msg.subject, headers });
    const enc = codec.encode(ep.reply, reply);
    msg.respond(enc.body, { headers: writeHeaders(enc.headers) });
  } catch (err) {
    replyError(codec, log, ep, msg, toDocflowError(err));
  }
}

/** Codes whose `details` travel in an error reply: what was wrong with the request, or what the caller can choose from. */
const DETAILED = new Set(['ERR_CODEC_SCHEMA', 'ERR_TUNE_INVALID', 'ERR_STAGE_UNKNOWN']);

/** Reply `{ error }`; if even that cannot be encoded, a fixed ERR_INTERNAL reply. Never throws. */
function replyError(codec: Codec, log: Logger, ep: EndpointDef, msg: ServiceMsg, e: DocflowError): void {
  if (e.code === 'ERR_INTERNAL') log.error({ err: e.toInfo(), endpoint: ep.name }, 'request handler failed');
  try {
    const { details, ...info } = e.toInfo();
    const body = codec.encode(ErrorReply, { error: DETAILED.has(e.code) || e.code.startsWith('ERR_QUERY_') ? { ...info, details } : info });
    msg.respondError(e.code === 'ERR_INTERNAL' ? 500 : 400, e.code, body.body, { headers: writeHeaders(body.headers) });
  } catch (encodeErr) {
    log.error({ err: toDocflowError(encodeErr).toInfo(), endpoint: ep.name }, 'error reply could not be encoded');
    try {
      msg.respondError(500, 'ERR_INTERNAL', JSON.stringify({ error: { code: 'ERR_INTERNAL', message: 'the error could not be encoded' } }), { headers: writeHeaders({ 'Content-Type': 'application/json' }) });
    } catch {
      // the connection is gone: nothing left to answer on
    }
  }
}

/** Send a request; decode the reply, or throw the error it carries. */
export async function requestReply<Q extends MessageKind, R extends MessageKind>(
  replies: ReplyMux, codec: Codec, subject: string, requestKind: Q, req: MessageOf<Q>, replyKind: R, timeoutMs: number,
): Promise<MessageOf<R>> {
  const enc = codec.encode(requestKind, req);
  let reply: Msg;
  try {
    reply = await replies.request(subject, enc.body, writeHeaders(enc.headers), timeoutMs);
  } catch (cause) {
    throw requestError(cause, subject, timeoutMs);
  }
  return decodeReply(codec, subject, reply, replyKind);
}

/** A reply's message, or the DocflowError an error reply carries (thrown). */
function decodeReply<R extends MessageKind>(codec: Codec, subject: string, reply: Msg, replyKind: R): MessageOf<R> {
  const headers = readHeaders(reply.headers);
  if (headers['nats-service-error-code'] !== undefined) {
    let e: DocflowError;
    try {
      e = DocflowError.fromInfo({ retryable: false, ...codec.decode(ErrorReply, reply.data, headers).error });
    } catch {
      e = new TransportError('ERR_TRANSPORT_REMOTE', `${subject} replied with error ${headers['nats-service-error'] ?? headers['nats-service-error-code']}`);
    }
    throw e;
  }
  return codec.decode(replyKind, reply.data, headers) as MessageOf<R>;
}

/** One answer of a request to many: the message, or the error it carried or could not be decoded with. */
export type Answer<R> = { ok: true; reply: R } | { ok: false; error: DocflowError };

/**
 * Send a request that every instance of a service answers (an endpoint in a queue group of its own
 * per instance) and collect the answers: until none came for `stallMs` after the last one, or
 * `maxWaitMs` in all. Nothing listening is an empty list, not an error.
 */
export async function requestAllReplies<Q extends MessageKind, R extends MessageKind>(
  nc: NatsConnection, codec: Codec, subject: string, requestKind: Q, req: MessageOf<Q>, replyKind: R, opts: { stallMs: number; maxWaitMs: number },
): Promise<Array<Answer<MessageOf<R>>>> {
  const enc = codec.encode(requestKind, req);
  const out: Array<Answer<MessageOf<R>>> = [];
  try {
    const replies = await nc.requestMany(subject, enc.body, { strategy: 'stall', stall: opts.stallMs, maxWait: opts.maxWaitMs, headers: writeHeaders(enc.headers) });
    for await (const reply of replies) {
      try {
        out.push({ ok: true, reply: decodeReply(codec, subject, reply, replyKind) });
      } catch (err) {
        out.push({ ok: false, error: toDocflowError(err) });
      }
    }
  } catch (cause) {
    const e = requestError(cause, subject, opts.maxWaitMs);
    if (e.code !== 'ERR_TRANSPORT_NO_RESPONDERS') throw e;
  }
  return out;
}

function requestError(cause: unknown, subject: string, timeoutMs: number): TransportError {
  const inner = cause instanceof RequestError ? (cause.cause ?? cause) : cause;
  // Not an outage: retrying cannot help until the server's permissions change.
  const denied = permissionViolation(cause);
  if (denied) {
    return new TransportError('ERR_TRANSPORT_PERMISSION', `NATS does not allow this user to ${denied.operation === 'publish' ? 'publish to' : 'subscribe to'} ${denied.subject} (${denied.message}): grant it in the server's permissions for this role, or connect as a user that has it`, { cause });
  }
  if (inner instanceof NoRespondersError || (cause instanceof RequestError && cause.isNoResponders?.())) {
    return new TransportError('ERR_TRANSPORT_NO_RESPONDERS', `nothing answers on ${subject}: is \`docflow up\` running against this NATS server?`, { cause });
  }
  if (inner instanceof TimeoutError) return new TransportError('ERR_TRANSPORT_TIMEOUT', `no reply on ${subject} within ${timeoutMs} ms`, { cause });
  return new TransportError('ERR_TRANSPORT_CLOSED', `request on ${subject} failed: ${(cause as Error).message}`, { cause });
}
