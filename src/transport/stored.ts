import type { JetStreamManager } from '@nats-io/jetstream';
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
