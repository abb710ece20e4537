import type { NatsConnection } from '@nats-io/transport-node';
import type { JetStreamManager } from '@nats-io/jetstream';
import type { Logger } from '../log.js';
import { readHeaders } from './headers.js';

/** A message as JetStream stored it. */
export interface StoredMessage {
  subject: string;
  seq: number;
  body: Uint8Array;
  /** Header names lower-cased. */
  headers: Record<string, string>;
}

/** Read one stored message by sequence, or null when it is gone; transient failures are retried. */
export async function getStored(jsm: JetStreamManager, stream: string, seq: number): Promise<StoredMessage | null> {
  let m: Awaited<ReturnType<JetStreamManager['streams']['getMessage']>> = null;
  for (let attempt = 0; ; attempt++) {
    try {
      m = await jsm.streams.getMessage(stream, { seq });
      break;
    } catch (err) {
      if ((err as { status?: number }).status === 404 || /no message found/i.test(String((err as Error).message))) return null;
      if (attempt >= 4) throw err;
      await new Promise((r) => setTimeout(r, 200 * 2 ** attempt));
    }
  }
  if (!m) return null;
  return { subject: m.subject, seq: m.seq, body: m.data, headers: readHeaders(m.header) };
}

/** What JetStream tells when a message reached its consumer's max_deliver without an ack or term. */
export interface MaxDeliveriesAdvisory {
  stream: string;
  consumer: string;
  streamSeq: number;
  deliveries: number;
}

/**
 * Watch the max-deliveries advisories of one consumer. These are how a message that crashed its
 * worker every time (a killed thread or process never reaches its catch block) is noticed. A queue
 * group makes one watcher among all workers of the stage handle each advisory.
 */
export function watchMaxDeliveries(
  nc: NatsConnection, log: Logger, stream: string, consumer: string, handler: (a: MaxDeliveriesAdvisory) => Promise<void>,
): { stop(): void } {
  const subject = `$JS.EVENT.ADVISORY.CONSUMER.MAX_DELIVERIES.${stream}.${consumer}`;
  const sub = nc.subscribe(subject, { queue: `docflow-maxdeliver-${stream}-${consumer}` });
  void (async () => {
    for await (const m of sub) {
      try {
        const a = JSON.parse(new TextDecoder().decode(m.data)) as { stream: string; consumer: string; stream_seq: number; deliveries: number };
        await handler({ stream: a.stream, consumer: a.consumer, streamSeq: a.stream_seq, deliveries: a.deliveries });
      } catch (err) {
        log.error({ err, subject }, 'handling a max-deliveries advisory failed');
      }
    }
  })();
  return { stop: () => sub.unsubscribe() };
}
