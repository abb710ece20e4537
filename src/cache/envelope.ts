/**
 * How a value travels to L2 and L3: the codec's msgpack map `{ v: value, t?: tags, x: expiry }`,
 * LZ4-framed above the configured size. Tags and the absolute expiry (ms since the epoch, by the
 * writer's clock) ride inside, so that an entry copied up into a faster level keeps its tags and
 * the time it has left, from a single GET. Compression needs no flag: a msgpack map never starts
 * with the LZ4 frame magic (and never with `{`, so plain bodies are sniffed as msgpack).
 */
import { Codec, CONTENT_ENCODING, CONTENT_TYPE, LZ4_ENCODING, LZ4_FRAME_MAGIC, MEDIA_TYPES } from '../codec/index.js';

/** A value and its tags, as decoded from a store. */
export interface Unpacked {
  value: unknown;
  tags: readonly string[];
  /** When it expires, ms since the epoch (writer's clock); NaN when the envelope has none. */
  expiresAt: number;
}

const LZ4 = Object.freeze({ [CONTENT_TYPE]: MEDIA_TYPES.msgpack, [CONTENT_ENCODING]: LZ4_ENCODING });

function isLz4Frame(bytes: Uint8Array): boolean {
  return bytes.length >= 4 && (bytes[0]! | (bytes[1]! << 8) | (bytes[2]! << 16) | (bytes[3]! << 24)) >>> 0 === LZ4_FRAME_MAGIC;
}

/** Encodes and decodes envelopes with one codec configured for the cache. */
export class Envelope {
  readonly #codec: Codec;

  /**
   * @param compressMinBytes LZ4 from this plain size on (when it saves at least 10 %).
   * @param maxValueBytes largest encoded value accepted back (and its decoded size bound, ×8).
   */
  constructor(compressMinBytes: number, maxValueBytes: number) {
    this.#codec = new Codec({ compressMinBytes, maxBodyBytes: maxValueBytes, maxDecodedBytes: maxValueBytes * 8 });
  }

  /** @throws CodecError when the value cannot be msgpack (a function, too deep, …). */
  pack(value: unknown, tags: readonly string[], expiresAt: number): Uint8Array {
    const x = Math.ceil(expiresAt);
    return this.#codec.encodeValue(tags.length > 0 ? { v: value, t: tags, x } : { v: value, x }).body;
  }

  /** @throws CodecError for bytes that are not an envelope. */
  unpack(bytes: Uint8Array): Unpacked {
    const body = this.#codec.decodeValue(bytes, isLz4Frame(bytes) ? LZ4 : undefined) as Record<string, unknown>;
    if (!Object.prototype.hasOwnProperty.call(body, 'v')) throw new TypeError('not a cache envelope (no `v`)');
    const t = body['t'];
    const tags = Array.isArray(t) && t.every((x) => typeof x === 'string') ? (t as string[]) : [];
    const x = body['x'];
    return { value: body['v'], tags, expiresAt: typeof x === 'number' ? x : Number.NaN };
  }
}
