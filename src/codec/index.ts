/**
 * The wire codec (../../shared/CONTRACT.md, "Wire format"): msgpack or JSON bodies, optionally one
 * LZ4 frame, validated against message kinds. Only this folder imports msgpackr and lz4-napi.
 */
export { Codec, type DecodedBody, type Encoded, type EncodeOptions, type IncomingHeaders } from './codec.js';
export { DEFAULT_CODEC_OPTIONS, MAX_DEPTH_LIMIT, resolveCodecOptions, type CodecOptions } from './options.js';
export {
  CONTENT_ENCODING,
  CONTENT_TYPE,
  LZ4_ENCODING,
  MEDIA_TYPES,
  readWireHeaders,
  sniffFormat,
  type Format,
  type WireHeaders,
} from './headers.js';
export { MAX_SCHEMA_PROBLEMS, type FieldProblem } from './validate.js';
export { inspectFrame, LZ4_FRAME_MAGIC, type FrameLayout } from './lz4-frame.js';
