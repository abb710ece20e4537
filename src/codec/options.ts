/**
 * Codec options: what the wire accepts and when bodies are compressed. `CodecOptions` is the filled
 * form (every field set); callers pass a `Partial` and get the defaults for the rest.
 */

/** Limits and compression policy of a {@link Codec}. Sizes are bytes. */
export interface CodecOptions {
  /** Compress bodies of at least this many bytes (plain size). @defaultValue 16384 */
  compressMinBytes: number;
  /** Keep LZ4 only when compressed/plain <= this; otherwise send plain. In (0, 1]. @defaultValue 0.9 */
  compressMaxRatio: number;
  /** Reject an incoming body (as received, before any decoding) larger than this. @defaultValue 8 MiB */
  maxBodyBytes: number;
  /** Bound on the decompressed size of an LZ4 body. @defaultValue 64 MiB */
  maxDecodedBytes: number;
  /** Deepest nesting of arrays and maps (the top-level map is depth 1), 1 to 1000. @defaultValue 64 */
  maxDepth: number;
}

/** The defaults, frozen. */
export const DEFAULT_CODEC_OPTIONS: Readonly<CodecOptions> = Object.freeze({
  compressMinBytes: 16_384,
  compressMaxRatio: 0.9,
  maxBodyBytes: 8 * 1024 * 1024,
  maxDecodedBytes: 64 * 1024 * 1024,
  maxDepth: 64,
});

/** Nesting deeper than this would exhaust the stack of recursive encoders (msgpackr, JSON.stringify). */
export const MAX_DEPTH_LIMIT = 1000;

type Rule = { check: (v: number) => boolean; says: string };

const isInt = (v: number, min: number, max: number): boolean => Number.isSafeInteger(v) && v >= min && v <= max;

const RULES: { readonly [K in keyof CodecOptions]: Rule } = {
  compressMinBytes: { check: (v) => isInt(v, 0, Number.MAX_SAFE_INTEGER), says: 'a non-negative integer' },
  compressMaxRatio: { check: (v) => v > 0 && v <= 1, says: 'a number in (0, 1]' },
  maxBodyBytes: { check: (v) => isInt(v, 1, Number.MAX_SAFE_INTEGER), says: 'a positive integer' },
  maxDecodedBytes: { check: (v) => isInt(v, 1, Number.MAX_SAFE_INTEGER), says: 'a positive integer' },
  maxDepth: { check: (v) => isInt(v, 1, MAX_DEPTH_LIMIT), says: `an integer from 1 to ${MAX_DEPTH_LIMIT}` },
};

/**
 * Fill `options` from the defaults, check every field and freeze the result.
 * Fields left `undefined` take their default; unknown keys are ignored.
 *
 * @throws TypeError naming the first bad field, e.g. `options.compressMaxRatio must be a number in (0, 1]`.
 */
export function resolveCodecOptions(options: Partial<CodecOptions> | undefined | null): Readonly<CodecOptions> {
  if (options === undefined || options === null) return DEFAULT_CODEC_OPTIONS;
  if (typeof options !== 'object') throw new TypeError('options must be an object');
  const filled = { ...DEFAULT_CODEC_OPTIONS };
  for (const key of Object.keys(RULES) as (keyof CodecOptions)[]) {
    const value: unknown = options[key];
    if (value === undefined) continue;
    const rule = RULES[key];
    if (typeof value !== 'number' || !rule.check(value)) throw new TypeError(`options.${key} must be ${rule.says}`);
    filled[key] = value;
  }
  return Object.freeze(filled);
}
