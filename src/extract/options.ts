import { assertPositiveInteger, assertPositiveNumber, fillDefaults } from '../util/validate.js';
import type { ExtractOptions } from './types.js';

const MiB = 1024 * 1024;

/** Limits used when a caller gives none (see `ExtractOptions` for each). */
export const DEFAULT_EXTRACT_OPTIONS: Readonly<ExtractOptions> = Object.freeze({
  maxChars: 10_000_000,
  maxUnzippedBytes: 100 * MiB,
  maxZipRatio: 100,
  maxDecompressedBytes: 32 * MiB,
});

/** Fill in the defaults and check every limit (a `TypeError` names the bad field). */
export function fillExtractOptions(given: Partial<ExtractOptions> | undefined): ExtractOptions {
  const o = fillDefaults(DEFAULT_EXTRACT_OPTIONS, given);
  assertPositiveInteger('options.maxChars', o.maxChars);
  assertPositiveInteger('options.maxUnzippedBytes', o.maxUnzippedBytes);
  assertPositiveNumber('options.maxZipRatio', o.maxZipRatio);
  assertPositiveInteger('options.maxDecompressedBytes', o.maxDecompressedBytes);
  return o;
}
