import { DeadLetter, type DeadLetterMessage } from '../messages/index.js';
import type { Transport } from '../transport/index.js';
import { DocflowError } from '../errors/index.js';

/** A dead letter with its place in the DLQ stream. */
export interface DeadLetterEntry extends DeadLetterMessage {
  seq: number;
}

/** Dead letters, oldest first, optionally of one stage; `limit` bounds the scan's result. */
export async function listDeadLetters(t: Transport, opts: { stage?: string; limit?: number } = {}): Promise<DeadLetterEntry[]> {
  const range = await t.streamRange('DLQ');
  const out: DeadLetterEntry[] = [];
  if (range.messages === 0) return out;
  for (let seq = range.first; seq <= range.last && out.length < (opts.limit ?? Infinity); seq++) {
    const m = await t.getStored('DLQ', seq);
    if (!m) continue;
    const dl = t.codec.decode(DeadLetter, m.body, m.headers) as DeadLetterMessage;
    if (opts.stage && dl.stage !== opts.stage) continue;
    out.push({ ...dl, seq });
  }
  return out;
}

/**
 * Put a dead letter's original message back on the subject it failed on (after a fix), with a
 * fresh de-duplication id, then remove it from the DLQ unless `keep`. Returns the new sequence.
 */
export async function replayDeadLetter(t: Transport, seq: number, opts: { keep?: boolean } = {}): Promise<{ subject: string; seq: number }> {
  const m = await t.getStored('DLQ', seq);
  if (!m) throw new DocflowError('ERR_QUERY_NOT_FOUND', `no dead letter with sequence ${seq} (see \`docflow dlq list\`)`);
  const dl = t.codec.decode(DeadLetter, m.body, m.headers) as DeadLetterMessage;
  const headers: Record<string, string> = {};
  for (const [k, v] of Object.entries(dl.originalHeaders ?? {})) if (k.toLowerCase() !== 'nats-msg-id') headers[k] = v;
  const ack = await t.publishRaw(dl.subject, dl.original, headers, { msgId: `replay:${seq}:${Date.now()}` });
  if (!opts.keep) await t.deleteStored('DLQ', seq);
  return { subject: dl.subject, seq: ack.seq };
}
