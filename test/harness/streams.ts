import { streamName } from '../../src/config/load.js';
import type { Transport } from '../../src/transport/index.js';
import type { MessageKind, MessageOf } from '../../src/messages/index.js';
import { setTimeout as sleep } from 'node:timers/promises';

/** Every message stored in a configured stream, decoded (for assertions). */
export async function readStream<K extends MessageKind>(t: Transport, streamKey: string, kind: K): Promise<Array<{ subject: string; message: MessageOf<K> }>> {
  const name = streamName(t.config, streamKey);
  const info = await t.jsm.streams.info(name);
  const out: Array<{ subject: string; message: MessageOf<K> }> = [];
  for (let seq = info.state.first_seq; seq <= info.state.last_seq && info.state.messages > 0; seq++) {
    const m = await t.getStored(streamKey, seq);
    if (m) out.push({ subject: m.subject, message: t.codec.decode(kind, m.body, m.headers) as MessageOf<K> });
  }
  return out;
}

/** Number of messages in a configured stream. */
export async function streamCount(t: Transport, streamKey: string): Promise<number> {
  return (await t.jsm.streams.info(streamName(t.config, streamKey))).state.messages;
}

/** Poll until `check` returns true, or fail with `what` after `timeoutMs`. */
export async function waitFor(what: string, check: () => Promise<boolean> | boolean, timeoutMs = 20_000, everyMs = 50): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (await check()) return;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await sleep(everyMs);
  }
}
