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

/** Reply `{ error }`; if even that cannot be encoded, a fixed ERR_INTERNAL reply. Never throws. */
function replyError(codec: Codec, log: Logger, ep: EndpointDef, msg: ServiceMsg, e: DocflowError): void {
  if (e.code === 'ERR_INTERNAL') log.error({ err: e.toInfo(), endpoint: ep.name }, 'request handler failed');
  try {
    const { details, ...info } = e.toInfo();
    const body = codec.encode(ErrorReply, { error: e.code === 'ERR_CODEC_SCHEMA' || e.code.startsWith('ERR_QUERY_') ? { ...info, details } : info });
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
