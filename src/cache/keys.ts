/**
 * Cache keys: built from a prefix and arguments in a stable form (object keys sorted), bounded in
 * length so every level can hold them (a PostgreSQL btree entry must stay under ~2.7 kB), and free of
 * NUL (which PostgreSQL text cannot hold). The prefix always survives, so `invalidatePrefix` works.
 */
import { createHash } from 'node:crypto';

/** Arguments longer than this (in UTF-16 units, with the prefix) are replaced by their sha256. */
export const MAX_PLAIN_KEY_LENGTH = 200;
/** A key given directly is compacted past this length (prefix part kept, rest hashed). */
export const MAX_KEY_LENGTH = 512;
/** Longest tag, UTF-16 units. */
export const MAX_TAG_LENGTH = 256;
/** Most tags on one entry. */
export const MAX_TAGS = 32;

function sha256(text: string): string {
  return createHash('sha256').update(text).digest('hex');
}

/**
 * JSON with object keys sorted at every depth, so `{a, b}` and `{b, a}` give the same text.
 * Dates become ISO strings, bigints `"123n"`-like strings, byte arrays `{"$bytes": base64}`;
 * `undefined` is left out of objects and `null` in arrays, as JSON.stringify does.
 *
 * @throws TypeError for functions, symbols and cycles (nothing stable to key them by).
 */
export function stableStringify(value: unknown): string {
  return write(value, new Set());
}

function write(value: unknown, seen: Set<object>): string {
  switch (typeof value) {
    case 'string':
      return JSON.stringify(value);
    case 'number':
      return Number.isFinite(value) ? String(value) : JSON.stringify(String(value));
    case 'boolean':
      return value ? 'true' : 'false';
    case 'bigint':
      return JSON.stringify(`${value}n`);
    case 'undefined':
      return 'null';
    case 'object':
      return value === null ? 'null' : writeObject(value, seen);
    default:
      throw new TypeError(`cannot build a cache key from a ${typeof value}`);
  }
}

function writeObject(value: object, seen: Set<object>): string {
  if (value instanceof Date) return JSON.stringify(Number.isNaN(value.getTime()) ? 'Invalid Date' : value.toISOString());
  if (ArrayBuffer.isView(value)) {
    const bytes = Buffer.from(value.buffer, value.byteOffset, value.byteLength);
    return `{"$bytes":${JSON.stringify(bytes.toString('base64'))}}`;
  }
  if (seen.has(value)) throw new TypeError('cannot build a cache key from a value with a cycle');
  seen.add(value);
  let out: string;
  if (Array.isArray(value)) {
    out = `[${value.map((v) => write(v, seen)).join(',')}]`;
  } else {
    const source = value instanceof Map ? Object.fromEntries(value) : value instanceof Set ? [...value] : value;
    if (Array.isArray(source)) {
      out = write(source, seen);
    } else {
      const record = source as Record<string, unknown>;
      const parts: string[] = [];
      for (const key of Object.keys(record).sort()) {
        const v = record[key];
        if (v === undefined || typeof v === 'function' || typeof v === 'symbol') continue;
        parts.push(`${JSON.stringify(key)}:${write(v, seen)}`);
      }
      out = `{${parts.join(',')}}`;
    }
  }
  seen.delete(value);
  return out;
}

/**
 * The key of a call: `${prefix}:${stable JSON of args}`, or `${prefix}:#${sha256 hex}` when that
 * would be longer than {@link MAX_PLAIN_KEY_LENGTH}. Equal arguments give equal keys across
 * processes; invalidate the whole function with `invalidatePrefix(prefix + ':')`.
 */
export function cacheKey(prefix: string, args: readonly unknown[]): string {
  if (typeof prefix !== 'string' || prefix.length === 0) throw new TypeError('prefix must be a non-empty string');
  if (prefix.length > MAX_PLAIN_KEY_LENGTH || prefix.includes('\0')) {
    throw new TypeError(`prefix must be at most ${MAX_PLAIN_KEY_LENGTH} characters, without NUL`);
  }
  const body = stableStringify(args);
  const plain = `${prefix}:${body}`;
  return plain.length <= MAX_PLAIN_KEY_LENGTH && !plain.includes('\0') ? plain : `${prefix}:#${sha256(body)}`;
}

/** Throws unless `key` is a non-empty string (any characters: L1 keeps keys as they are). */
export function assertKey(key: unknown): asserts key is string {
  if (typeof key !== 'string' || key.length === 0) throw new TypeError('key must be a non-empty string');
}

/**
 * The key L2 and L3 store: `key` itself when short and NUL-free, else its first
 * {@link MAX_PLAIN_KEY_LENGTH} characters (up to any NUL) and `#sha256` of the whole. (L1 keeps
 * `key` as given, so the hot path does not pay for this.)
 *
 * @throws TypeError when `key` is not a non-empty string.
 */
export function storageKey(key: string): string {
  assertKey(key);
  const nul = key.indexOf('\0');
  if (key.length <= MAX_KEY_LENGTH && nul < 0) return key;
  const head = key.slice(0, Math.min(MAX_PLAIN_KEY_LENGTH, nul < 0 ? Infinity : nul));
  return `${head}#${sha256(key)}`;
}

/** Throws unless `prefix` is a string that can match stored keys (no NUL; may be empty for "all"). */
export function assertPrefix(prefix: unknown): asserts prefix is string {
  if (typeof prefix !== 'string' || prefix.includes('\0')) throw new TypeError('prefix must be a string without NUL');
}

/** Throws unless `tag` is a non-empty string of at most {@link MAX_TAG_LENGTH} characters, without NUL. */
export function assertTag(tag: unknown): asserts tag is string {
  if (typeof tag !== 'string' || tag.length === 0 || tag.length > MAX_TAG_LENGTH || tag.includes('\0')) {
    throw new TypeError(`a tag must be a non-empty string of at most ${MAX_TAG_LENGTH} characters, without NUL`);
  }
}

const NO_TAGS: readonly string[] = Object.freeze([]);

/** Checks a tag list; returns it without duplicates. */
export function normalizeTags(tags: unknown): readonly string[] {
  if (tags === undefined || (Array.isArray(tags) && tags.length === 0)) return NO_TAGS;
  if (!Array.isArray(tags) || tags.length > MAX_TAGS) throw new TypeError(`tags must be an array of at most ${MAX_TAGS} tags`);
  for (const t of tags) assertTag(t);
  return tags.length < 2 ? (tags as string[]) : [...new Set(tags as string[])];
}
