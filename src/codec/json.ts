/**
 * JSON bodies: strict UTF-8, one object at the top, depth bounded; the kind's bytes fields travel as
 * standard (padded) base64 strings.
 */
import { isUtf8 } from 'node:buffer';
import { CodecError } from '../errors/index.js';
import { asBuffer } from './bytes.js';
import type { FieldProblem } from './validate.js';

const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/;

/** String.prototype.isWellFormed (ES2024, in Node 20) is not in the ES2023 typings. */
const wellFormed = (s: string): boolean => (s as unknown as { isWellFormed(): boolean }).isWellFormed();

const isPlainContainer = (v: unknown): v is object =>
  typeof v === 'object' && v !== null && !ArrayBuffer.isView(v) && typeof (v as { toJSON?: unknown }).toJSON !== 'function';

const notUnicode = (): CodecError => new CodecError('ERR_CODEC_UTF8', 'JSON string is not well-formed Unicode (lone surrogate)');

/**
 * Walk a JSON-shaped tree without recursion: nesting at most `maxDepth` (the root is depth 1), every
 * string (keys too) well-formed, no `__proto__` key, so that it could also be sent as msgpack.
 * Byte views and objects with `toJSON` (e.g. Date) are leaves.
 *
 * @throws CodecError ERR_CODEC_DEPTH, ERR_CODEC_UTF8 or ERR_CODEC_JSON (`__proto__`).
 */
export function checkTree(root: object, maxDepth: number): void {
  const nodes: object[] = [root];
  const depths: number[] = [1];
  const visit = (child: unknown, depth: number): void => {
    if (typeof child === 'string') {
      if (!wellFormed(child)) throw notUnicode();
    } else if (isPlainContainer(child)) {
      if (depth + 1 > maxDepth) throw new CodecError('ERR_CODEC_DEPTH', `JSON nests deeper than ${maxDepth} (codec.maxDepth)`);
      nodes.push(child);
      depths.push(depth + 1);
    }
  };
  while (nodes.length > 0) {
    const node = nodes.pop()!;
    const depth = depths.pop()!;
    if (Array.isArray(node)) {
      for (const child of node) visit(child, depth);
      continue;
    }
    for (const key of Object.keys(node)) {
      if (!wellFormed(key)) throw notUnicode();
      // Refused as in msgpack (where msgpackr would rename it): it means nothing in a message and
      // would turn into a prototype change wherever someone later merges the object naively.
      if (key === '__proto__') throw new CodecError('ERR_CODEC_JSON', 'the key "__proto__" is not accepted');
      visit((node as Record<string, unknown>)[key], depth);
    }
  }
}

/**
 * Parse a JSON body into an object.
 *
 * @throws CodecError ERR_CODEC_UTF8, ERR_CODEC_JSON (syntax, not an object) or ERR_CODEC_DEPTH.
 */
export function decodeJson(bytes: Uint8Array, maxDepth: number): Record<string, unknown> {
  if (!isUtf8(bytes)) throw new CodecError('ERR_CODEC_UTF8', 'JSON body is not valid UTF-8');
  let value: unknown;
  try {
    value = JSON.parse(asBuffer(bytes).toString('utf8'));
  } catch (err) {
    throw new CodecError('ERR_CODEC_JSON', `invalid JSON: ${err instanceof Error ? err.message : String(err)}`, { cause: err });
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new CodecError('ERR_CODEC_JSON', `a JSON body must be an object (got ${value === null ? 'null' : Array.isArray(value) ? 'an array' : typeof value})`);
  }
  checkTree(value, maxDepth);
  return value as Record<string, unknown>;
}

/**
 * Serialize an object as JSON, its `bytesFields` (top-level Uint8Array values) as base64 strings.
 *
 * @throws CodecError ERR_CODEC_JSON (not an object, not serializable), ERR_CODEC_DEPTH, ERR_CODEC_UTF8.
 */
export function encodeJson(value: unknown, bytesFields: readonly string[], maxDepth: number): Buffer {
  if (typeof value !== 'object' || value === null || Array.isArray(value) || ArrayBuffer.isView(value)) {
    throw new CodecError('ERR_CODEC_JSON', 'only an object can be sent as a JSON body');
  }
  let out = value as Record<string, unknown>;
  for (const field of bytesFields) {
    const bytes = out[field];
    if (!(bytes instanceof Uint8Array)) continue;
    if (out === value) out = { ...out };
    out[field] = asBuffer(bytes).toString('base64');
  }
  checkTree(out, maxDepth);
  let text: string;
  try {
    text = JSON.stringify(out);
  } catch (err) {
    throw new CodecError('ERR_CODEC_JSON', `cannot encode as JSON: ${err instanceof Error ? err.message : String(err)}`, { cause: err });
  }
  return Buffer.from(text, 'utf8');
}

/**
 * Turn the kind's base64 fields of a decoded JSON object into bytes, in place. Other values are left
 * for the schema to judge. Only standard, padded base64 (RFC 4648 §4) is accepted.
 *
 * @returns the fields that are not valid base64 (empty when all are).
 */
export function bytesFromBase64(obj: Record<string, unknown>, bytesFields: readonly string[]): FieldProblem[] {
  const problems: FieldProblem[] = [];
  for (const field of bytesFields) {
    if (!Object.hasOwn(obj, field)) continue;
    const text = obj[field];
    if (typeof text !== 'string') continue;
    if (text.length % 4 !== 0 || !BASE64.test(text)) {
      problems.push({ path: `/${field}`, message: 'Expected a base64 string (standard alphabet, padded)' });
      continue;
    }
    obj[field] = Buffer.from(text, 'base64');
  }
  return problems;
}
