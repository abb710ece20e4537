/**
 * The wire codec: message kinds to bytes and headers and back, with every safety check of the
 * contract's wire format. Stateless apart from its frozen options; safe to share.
 */
import { CodecError } from '../errors/index.js';
import type { MessageKind, MessageOf } from '../messages/index.js';
import { readWireHeaders, sniffFormat, writeWireHeaders, type Format } from './headers.js';
import { bytesFromBase64, decodeJson, encodeJson } from './json.js';
import { compressFrame, decompressFrame } from './lz4.js';
import { packMsgpack, unpackMsgpack } from './msgpack.js';
import { resolveCodecOptions, type CodecOptions } from './options.js';
import { assertKind, schemaError, validateMessage } from './validate.js';

/** A body ready to send and the headers that describe it. */
export interface Encoded {
  body: Uint8Array;
  /** `Content-Type`, and `Content-Encoding: lz4` when the body is compressed; names written exactly so. */
  headers: Record<string, string>;
}

/** How to encode one message. */
export interface EncodeOptions {
  /** @defaultValue 'msgpack' */
  format?: Format;
  /**
   * `true` always compresses (LZ4), `false` never does.
   * @defaultValue by the codec's options: plain size >= compressMinBytes and ratio <= compressMaxRatio
   */
  compress?: boolean;
}

/** Incoming headers: names in any case; undefined values are ignored. */
export type IncomingHeaders = Record<string, string | undefined> | null | undefined;

/** What a body decoded to, before any schema. */
export interface DecodedBody {
  value: Record<string, unknown>;
  format: Format;
}

/**
 * Encodes messages as msgpack (default) or JSON, LZ4-compressed when that pays off, and decodes
 * whatever the contract allows, refusing everything else with a {@link CodecError} of a stable code.
 *
 * Decoded `bin` (bytes) values are views into the body or its decompressed copy, not copies: keep the
 * body unchanged while you use them.
 */
export class Codec {
  /** The options in force, filled from {@link DEFAULT_CODEC_OPTIONS} and frozen. */
  readonly options: Readonly<CodecOptions>;

  /** @throws TypeError naming the first bad option, e.g. `options.maxDepth must be an integer from 1 to 1000`. */
  constructor(options?: Partial<CodecOptions>) {
    this.options = resolveCodecOptions(options);
  }

  /**
   * Validate `msg` against its kind (so nothing invalid is ever sent), then encode it.
   *
   * @throws CodecError ERR_CODEC_SCHEMA, or an ERR_CODEC_* of the format for what it cannot carry.
   */
  encode<K extends MessageKind>(kind: K, msg: MessageOf<K>, opts?: EncodeOptions): Encoded {
    assertKind(kind);
    validateMessage(kind, msg);
    return this.#encode(msg, kind.bytesFields, opts);
  }

  /**
   * Decode a body into a message of `kind`: size limit, headers, LZ4, format, structure, schema.
   *
   * @param headers Content-Type / Content-Encoding, names matched case-insensitively; none means sniff.
   * @throws CodecError with an ERR_CODEC_* code, never anything else for bad bytes.
   */
  decode<K extends MessageKind>(kind: K, body: Uint8Array, headers?: IncomingHeaders): MessageOf<K> {
    assertKind(kind);
    const { value, format } = this.decodeBody(body, headers);
    if (format === 'json' && kind.bytesFields.length > 0) {
      const problems = bytesFromBase64(value, kind.bytesFields);
      if (problems.length > 0) throw schemaError(kind, problems);
    }
    validateMessage(kind, value);
    return value as MessageOf<K>;
  }

  /** Encode any object without a schema (internal use). In JSON, byte arrays are not converted. */
  encodeValue(value: unknown, opts?: EncodeOptions): Encoded {
    return this.#encode(value, [], opts);
  }

  /** Decode any body to an object without a schema, with every other check of {@link Codec.decode}. */
  decodeValue(body: Uint8Array, headers?: IncomingHeaders): unknown {
    return this.decodeBody(body, headers).value;
  }

  /** Decode a body and say which format it was (JSON bytes fields are still base64 strings). */
  decodeBody(body: Uint8Array, headers?: IncomingHeaders): DecodedBody {
    if (!(body instanceof Uint8Array)) throw new TypeError('body must be a Uint8Array');
    const { maxBodyBytes, maxDecodedBytes, maxDepth } = this.options;
    if (body.length > maxBodyBytes) {
      throw new CodecError('ERR_CODEC_TOO_LARGE', `body of ${body.length} bytes is over the limit of ${maxBodyBytes} bytes (codec.maxBodyBytes)`);
    }
    const wire = readWireHeaders(headers);
    const bytes = wire.lz4 ? decompressFrame(body, maxDecodedBytes) : body;
    const format = wire.format ?? sniffFormat(bytes);
    const value = format === 'json' ? decodeJson(bytes, maxDepth) : unpackMsgpack(bytes, maxDepth);
    return { value, format };
  }

  #encode(value: unknown, bytesFields: readonly string[], opts: EncodeOptions | undefined): Encoded {
    const format = opts?.format ?? 'msgpack';
    if (format !== 'msgpack' && format !== 'json') throw new TypeError(`opts.format must be 'msgpack' or 'json'`);
    const plain = format === 'json' ? encodeJson(value, bytesFields, this.options.maxDepth) : packMsgpack(value, this.options.maxDepth);
    const compress = opts?.compress;
    if (compress === false || (compress === undefined && plain.length < this.options.compressMinBytes)) {
      return { body: plain, headers: writeWireHeaders(format, false) };
    }
    const framed = compressFrame(plain);
    if (compress === true || framed.length <= plain.length * this.options.compressMaxRatio) {
      return { body: framed, headers: writeWireHeaders(format, true) };
    }
    return { body: plain, headers: writeWireHeaders(format, false) };
  }
}
