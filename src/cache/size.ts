/**
 * Approximate bytes a value holds in the heap, for L1's byte bound. Exactness is not the point: it
 * must be cheap (one walk, no serialisation), grow with the value, and never run away on a cycle.
 */

/** Walks deeper than this count a flat amount (and stop a cycle). */
const MAX_DEPTH = 32;
/** Per-object and per-array header, bytes (V8's are 16-32). */
const OBJECT_OVERHEAD = 32;
/** Per-string header, bytes. */
const STRING_OVERHEAD = 16;

/**
 * Estimated heap size of `value`, bytes: strings count one byte a character (V8 keeps Latin-1
 * strings so), numbers 8, byte arrays their length, objects their keys and values plus a header.
 */
export function estimateBytes(value: unknown): number {
  return walk(value, 0);
}

function walk(value: unknown, depth: number): number {
  switch (typeof value) {
    case 'string':
      return STRING_OVERHEAD + value.length;
    case 'number':
    case 'bigint':
      return 8;
    case 'boolean':
    case 'undefined':
      return 4;
    case 'object':
      return value === null ? 4 : walkObject(value, depth);
    default:
      return OBJECT_OVERHEAD;
  }
}

function walkObject(value: object, depth: number): number {
  if (ArrayBuffer.isView(value)) return OBJECT_OVERHEAD + value.byteLength;
  if (depth >= MAX_DEPTH) return OBJECT_OVERHEAD;
  let size = OBJECT_OVERHEAD;
  if (Array.isArray(value)) {
    for (const v of value) size += walk(v, depth + 1);
    return size;
  }
  if (value instanceof Date) return size;
  for (const key in value) {
    if (!Object.prototype.hasOwnProperty.call(value, key)) continue;
    size += key.length + 8 + walk((value as Record<string, unknown>)[key], depth + 1);
  }
  return size;
}
