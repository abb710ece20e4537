import { extractError } from './fail.js';

/** Share of control characters (or of undecodable bytes) above which "text" is taken for binary. */
const MAX_CONTROL_RATIO = 0.02;
/** Invalid UTF-8 is read as Windows-1252 only when few bytes are non-ASCII, as in Latin-1 prose. */
const MAX_LEGACY_HIGH_RATIO = 0.3;

/** Turn CRLF and lone CR into LF. */
export function normalizeNewlines(text: string): string {
  return text.includes('\r') ? text.replace(/\r\n?/g, '\n') : text;
}

function controlRatio(text: string): number {
  if (text.length === 0) return 0;
  let n = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    // Tab, LF, VT, FF, CR and ESC (coloured logs) are fine in text; other C0/C1 controls are not.
    if ((c < 0x20 && c !== 9 && c !== 10 && c !== 11 && c !== 12 && c !== 13 && c !== 27) || c === 0x7f || (c >= 0x80 && c <= 0x9f)) n++;
  }
  return n / text.length;
}

function highByteRatio(bytes: Uint8Array): number {
  let n = 0;
  for (const b of bytes) if (b >= 0x80) n++;
  return bytes.length === 0 ? 0 : n / bytes.length;
}

/**
 * Decode bytes declared as text: UTF-8 (BOM stripped), UTF-16 with a BOM, or Latin-1 prose that is
 * not valid UTF-8 (read as Windows-1252). Line endings become `\n`. Anything that looks like binary
 * data (NUL bytes, many control characters, mostly undecodable bytes) is refused with
 * `ERR_EXTRACT_BINARY`, naming `what` the bytes were declared to be. `partial`: the bytes are a
 * prefix, so a multi-byte character cut at the end is not an error.
 */
export function decodeText(bytes: Uint8Array, what: string, partial = false): string {
  const stream = { stream: partial };
  let text: string;
  if (bytes[0] === 0xff && bytes[1] === 0xfe) text = new TextDecoder('utf-16le').decode(bytes.subarray(2), stream);
  else if (bytes[0] === 0xfe && bytes[1] === 0xff) text = new TextDecoder('utf-16be').decode(bytes.subarray(2), stream);
  else {
    if (bytes.includes(0)) throw binary(what, 'it contains NUL bytes');
    const body = bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf ? bytes.subarray(3) : bytes;
    try {
      text = new TextDecoder('utf-8', { fatal: true }).decode(body, stream);
    } catch {
      if (highByteRatio(body) > MAX_LEGACY_HIGH_RATIO) throw binary(what, 'it is not valid UTF-8');
      text = new TextDecoder('windows-1252').decode(body);
    }
  }
  if (text.includes('\0')) throw binary(what, 'it contains NUL characters');
  if (text.includes('\ufffd') && countOf(text, '\ufffd') / text.length > MAX_CONTROL_RATIO) throw binary(what, 'it has many undecodable characters');
  if (controlRatio(text) > MAX_CONTROL_RATIO) throw binary(what, 'it contains many control characters');
  return normalizeNewlines(text);
}

function countOf(text: string, ch: string): number {
  let n = 0;
  for (let i = text.indexOf(ch); i !== -1; i = text.indexOf(ch, i + 1)) n++;
  return n;
}

function binary(what: string, reason: string) {
  return extractError('ERR_EXTRACT_BINARY', `the document was declared as ${what} but ${reason}: it looks like binary data; check its type`);
}

/** Bytes of a document looked at when sniffing its type. */
export const SNIFF_BYTES = 64 * 1024;

/** True when the start of `bytes` decodes as text (same rules as `decodeText`, no exception). */
export function looksLikeText(bytes: Uint8Array): boolean {
  try {
    decodeText(bytes.subarray(0, SNIFF_BYTES), 'text', bytes.length > SNIFF_BYTES);
    return true;
  } catch {
    return false;
  }
}
