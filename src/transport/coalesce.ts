/**
 * One socket write per event-loop turn for a nats.js connection.
 *
 * nats.js writes its outbound buffer at the end of each microtask run. A process that answers
 * requests, acks JetStream messages or publishes results from many I/O callbacks in one turn (a
 * reply per PostgreSQL result, an ack per finished task) therefore makes one `write` per callback,
 * and each write on loopback costs a syscall here and a wake-up and a read in nats-server. Corking
 * the socket at the first write of a turn and uncorking it at the end of the turn (`setImmediate`)
 * sends everything the turn produced in one `writev`, in the same order, with no copy and no timer:
 * the data leaves before the event loop next waits for I/O.
 *
 * The cost: what a turn writes waits for the turn's other callbacks. docflow keeps those short (CPU
 * work runs on worker threads), so that is microseconds.
 *
 * nats.js has no option for this, so the connection's transport (`NodeTransport`, one per connection
 * and a new one after each reconnect) is wrapped in place. If a later nats.js changes that shape the
 * wrap is skipped and the connection works as before, only unbatched; `coalescing()` says which, and
 * the transport test fails on it, so an upgrade cannot lose the batching unnoticed.
 */
import type { NatsConnection } from '@nats-io/transport-node';

/** What is used of nats.js's NodeTransport (`@nats-io/transport-node`, lib/node_transport.js). */
interface SocketTransport {
  socket?: { cork(): void; uncork(): void; destroyed?: boolean };
  send(frame: Uint8Array): void;
  close(err?: Error): Promise<void>;
  disconnect(): void;
  [WRAPPED]?: true;
}

const WRAPPED = Symbol('docflow.coalesced');

function transportOf(nc: NatsConnection): SocketTransport | undefined {
  const t = (nc as unknown as { protocol?: { transport?: Partial<SocketTransport> } }).protocol?.transport;
  if (!t || typeof t.send !== 'function' || typeof t.close !== 'function' || typeof t.disconnect !== 'function') return undefined;
  if (typeof t.socket?.cork !== 'function' || typeof t.socket.uncork !== 'function') return undefined;
  return t as SocketTransport;
}

function wrap(t: SocketTransport): void {
  if (t[WRAPPED]) return;
  t[WRAPPED] = true;
  const send = t.send.bind(t);
  const close = t.close.bind(t);
  const disconnect = t.disconnect.bind(t);
  let corked: SocketTransport['socket'];
  const uncork = (): void => {
    const s = corked;
    corked = undefined;
    s?.uncork();
  };
  t.send = (frame) => {
    const s = t.socket;
    if (corked === undefined && s !== undefined && s.destroyed !== true) {
      corked = s;
      s.cork();
      setImmediate(uncork);
    }
    send(frame);
  };
  // Both end the socket: what this turn corked goes out first, as it would have without the wrap.
  t.close = (err) => {
    uncork();
    return close(err);
  };
  t.disconnect = () => {
    uncork();
    disconnect();
  };
}

/**
 * Coalesce `nc`'s writes per event-loop turn, now and after every reconnect (nats.js dials a new
 * transport then). Returns whether the current transport is coalesced.
 */
export function coalesceWrites(nc: NatsConnection): boolean {
  const t = transportOf(nc);
  if (t === undefined) return false;
  wrap(t);
  void (async () => {
    for await (const s of nc.status()) {
      if (s.type === 'reconnect') {
        const next = transportOf(nc);
        if (next) wrap(next);
      }
    }
  })().catch(() => undefined);
  return true;
}

/** Whether `nc`'s current transport writes once per turn. */
export function coalescing(nc: NatsConnection): boolean {
  return transportOf(nc)?.[WRAPPED] === true;
}
