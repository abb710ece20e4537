/**
 * The two wire headers: reading them (names case-insensitive, media-type parameters tolerated) and
 * sniffing the format of a body that came without a Content-Type.
 */
import { CodecError } from '../errors/index.js';

/** A body format on the wire. */
export type Format = 'msgpack' | 'json';

/** Header names as written on output. */
export const CONTENT_TYPE = 'Content-Type';
export const CONTENT_ENCODING = 'Content-Encoding';

/** Media type of each format. */
export const MEDIA_TYPES: Readonly<Record<Format, string>> = Object.freeze({
  msgpack: 'application/msgpack',
  json: 'application/json',
});

/** The only content encoding besides none. */
export const LZ4_ENCODING = 'lz4';

/** What the headers of an incoming message say about its body. */
export interface WireHeaders {
  /** The declared format, or undefined when no Content-Type was given (sniff the body). */
  format: Format | undefined;
  /** True for `Content-Encoding: lz4`. */
  lz4: boolean;
}

/** Headers may come from anywhere: read own string values only, names matched case-insensitively. */
function pick(headers: Record<string, string | undefined>, lowerName: string): string | undefined {
  let found: string | undefined;
  for (const name of Object.keys(headers)) {
    if (name.length !== lowerName.length || name.toLowerCase() !== lowerName) continue;
    const value = headers[name];
    if (typeof value !== 'string') continue;
    if (found !== undefined && found.trim() !== value.trim()) {
      throw new CodecError(lowerName === 'content-type' ? 'ERR_CODEC_CONTENT_TYPE' : 'ERR_CODEC_CONTENT_ENCODING', `conflicting ${lowerName} headers`);
    }
    found = value;
  }
  const trimmed = found?.trim();
  return trimmed ? trimmed : undefined;
}

/** Show at most a short, printable prefix of a header value in an error message. */
function show(value: string): string {
  return JSON.stringify(value.length > 64 ? `${value.slice(0, 64)}…` : value);
}

function parseContentType(value: string | undefined): Format | undefined {
  if (value === undefined) return undefined;
  const semi = value.indexOf(';');
  const media = (semi < 0 ? value : value.slice(0, semi)).trim().toLowerCase();
  if (media === MEDIA_TYPES.msgpack) return 'msgpack';
  if (media === MEDIA_TYPES.json) return 'json';
  throw new CodecError('ERR_CODEC_CONTENT_TYPE', `unsupported Content-Type ${show(value)}: expected application/msgpack or application/json`);
}

function parseContentEncoding(value: string | undefined): boolean {
  if (value === undefined) return false;
  const coding = value.toLowerCase();
  if (coding === LZ4_ENCODING) return true;
  if (coding === 'identity') return false;
  throw new CodecError('ERR_CODEC_CONTENT_ENCODING', `unsupported Content-Encoding ${show(value)}: expected lz4 or none`);
}

/**
 * Read Content-Type and Content-Encoding. Absent, empty or null headers mean "sniff" and "plain".
 *
 * @throws CodecError ERR_CODEC_CONTENT_TYPE / ERR_CODEC_CONTENT_ENCODING for values it cannot honour.
 */
export function readWireHeaders(headers: Record<string, string | undefined> | null | undefined): WireHeaders {
  if (headers === null || headers === undefined || typeof headers !== 'object') return { format: undefined, lz4: false };
  return {
    format: parseContentType(pick(headers, 'content-type')),
    lz4: parseContentEncoding(pick(headers, 'content-encoding')),
  };
}

/** The contract's rule for a body without Content-Type: first non-space byte `{` is JSON, else msgpack. */
export function sniffFormat(body: Uint8Array): Format {
  for (let i = 0; i < body.length; i++) {
    const b = body[i]!;
    if (b === 0x20 || b === 0x09 || b === 0x0a || b === 0x0d) continue;
    return b === 0x7b ? 'json' : 'msgpack';
  }
  return 'msgpack';
}

/** Headers to write for a body of `format`, LZ4-compressed or not. */
export function writeWireHeaders(format: Format, lz4: boolean): Record<string, string> {
  return lz4 ? { [CONTENT_TYPE]: MEDIA_TYPES[format], [CONTENT_ENCODING]: LZ4_ENCODING } : { [CONTENT_TYPE]: MEDIA_TYPES[format] };
}
