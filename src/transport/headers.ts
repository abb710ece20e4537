import { headers as natsHeaders, type MsgHdrs } from '@nats-io/transport-node';

/** Header that marks a claim-checked body: `<bucket>/<object name>`. */
export const CLAIM_HEADER = 'Docflow-Claim';
/** {@link CLAIM_HEADER} as `readHeaders` keys it (lower case). */
export const CLAIM_HEADER_LC = CLAIM_HEADER.toLowerCase();
/** The de-duplication header JetStream honours. */
export const MSG_ID_HEADER = 'Nats-Msg-Id';

/** NATS headers as a plain record with lower-cased names (header names match case-insensitively). */
export function readHeaders(h: MsgHdrs | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  if (!h) return out;
  for (const [k, v] of h) out[k.toLowerCase()] = v[0] ?? '';
  return out;
}

/** Build NATS headers from a record, names written as given. */
export function writeHeaders(record: Record<string, string | undefined>): MsgHdrs {
  const h = natsHeaders();
  for (const [k, v] of Object.entries(record)) if (v !== undefined) h.set(k, v);
  return h;
}
