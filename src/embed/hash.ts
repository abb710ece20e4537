import { assertPositiveInteger } from '../util/validate.js';
import { abortedError } from './abort.js';
import { fmix32, textFeatures, wholeTextFeature } from './hash-features.js';
import { STOP_FEATURES, STOP_WEIGHT } from './stopwords.js';
import type { Embedder } from './types.js';

/**
 * The offline default embedder: signed feature hashing of word unigrams and bigrams.
 *
 * It is LEXICAL, not semantic: texts that share words (and word pairs) score a higher cosine;
 * synonyms, paraphrases and translations do not. It needs no model, no network and no GPU, gives
 * the same vector for the same text on every run, machine and thread, and is fast enough to run
 * inline. Use an HTTP provider for semantic search.
 *
 * How a text becomes a vector:
 * - NFKC-normalised and lowercased; tokens are runs of letters and digits (see `hash-features.ts`);
 * - every unigram and every pair of neighbouring tokens is a feature, hashed to 32 bits (FNV-1a
 *   over UTF-16 code units, finished with murmur3's mixer); the hash picks the bucket, a second
 *   mix of it picks the sign, so collisions cancel out on average instead of piling up;
 * - a feature seen tf times weighs 1 + ln(tf), so a repeated word does not drown the rest; English
 *   function words and pairs of them ("of the") weigh 0.15 of that (`stopwords.ts`), so the rare
 *   words of a query decide what it finds, as IDF would, without corpus statistics;
 * - the vector is L2-normalised.
 * A text without any token but with visible characters ("!!!", an emoji) is hashed whole as one
 * feature. An empty or blank text, where nothing is left to hash, gets the fixed unit vector e0
 * (1 at index 0): never a zero vector, whose cosine distance is undefined.
 */
export interface HashEmbedderOptions {
  /** Vector length. @defaultValue 384 */
  dimension: number;
}

/** Model id of this scheme; change it whenever the vectors would change, so old collections are not mixed. */
export const HASH_MODEL = 'hash-v1';

const DEFAULT_DIMENSION = 384;

/** Per-thread accumulator (Float64 so sums of many features do not lose precision). */
let acc = new Float64Array(DEFAULT_DIMENSION);

/*
 * Term frequencies: a per-thread open-addressing table, reused across texts. A slot belongs to the
 * current text when its stamp equals `generation`, so the table never needs clearing.
 */
let keys = new Uint32Array(0);
let counts = new Uint32Array(0);
let stamps = new Uint32Array(0);
/** Slots in first-seen order, so the sums run in an order fixed by the text alone. */
let order = new Uint32Array(0);
let generation = 0;

/** Counts each distinct feature of `features`; returns how many there are (see `order`, `keys`, `counts`). */
function countFeatures(features: Uint32Array): number {
  let cap = keys.length;
  if (cap < features.length * 2) {
    cap = 1024;
    while (cap < features.length * 2) cap *= 2;
    keys = new Uint32Array(cap);
    counts = new Uint32Array(cap);
    stamps = new Uint32Array(cap);
    order = new Uint32Array(cap);
    generation = 0;
  }
  if (generation === 0xffffffff) {
    stamps.fill(0);
    generation = 0;
  }
  const gen = ++generation;
  const mask = cap - 1;
  let distinct = 0;
  for (let i = 0; i < features.length; i++) {
    const f = features[i] as number;
    let slot = f & mask;
    while (stamps[slot] === gen && keys[slot] !== f) slot = (slot + 1) & mask;
    if (stamps[slot] === gen) {
      counts[slot] = (counts[slot] as number) + 1;
    } else {
      stamps[slot] = gen;
      keys[slot] = f;
      counts[slot] = 1;
      order[distinct++] = slot;
    }
  }
  return distinct;
}

function signOf(feature: number): number {
  return fmix32(feature ^ 0x5bd1e995) & 1 ? -1 : 1;
}

/** Writes the vector of `text` into `out[offset .. offset + dimension)`. */
function embedInto(text: string, dimension: number, out: Float32Array, offset: number): void {
  if (acc.length < dimension) acc = new Float64Array(dimension);
  acc.fill(0, 0, dimension);
  const norm = text.normalize('NFKC').toLowerCase();
  const features = textFeatures(norm);
  if (features.length > 0) {
    const distinct = countFeatures(features);
    for (let j = 0; j < distinct; j++) {
      const slot = order[j] as number;
      const f = keys[slot] as number;
      const k = f % dimension;
      const weight = STOP_FEATURES.has(f) ? STOP_WEIGHT : 1;
      acc[k] = (acc[k] as number) + signOf(f) * weight * (1 + Math.log(counts[slot] as number));
    }
  } else {
    const trimmed = norm.trim();
    if (trimmed.length > 0) {
      const f = wholeTextFeature(trimmed);
      acc[f % dimension] = signOf(f);
    }
  }
  let sum = 0;
  for (let k = 0; k < dimension; k++) sum += (acc[k] as number) ** 2;
  if (sum === 0) {
    // Blank text, or (rarely) features whose signs cancel exactly: the fixed unit vector e0.
    out[offset] = 1;
    return;
  }
  const scale = 1 / Math.sqrt(sum);
  for (let k = 0; k < dimension; k++) out[offset + k] = (acc[k] as number) * scale;
}

/**
 * The vectors of `texts` packed in one Float32Array of `texts.length × dimension` (vector i at
 * `i × dimension`): one buffer to transfer back from a worker thread instead of one per text.
 * Pure and deterministic; safe to call from any thread.
 */
export function hashEmbedPacked(texts: readonly string[], dimension: number): Float32Array {
  assertPositiveInteger('dimension', dimension);
  const out = new Float32Array(texts.length * dimension);
  for (let i = 0; i < texts.length; i++) embedInto(String(texts[i]), dimension, out, i * dimension);
  return out;
}

/** The lexical hash embedder (model `hash-v1`), computed in the calling thread. */
export function hashEmbedder(opts: Partial<HashEmbedderOptions> = {}): Embedder {
  const dimension = opts.dimension ?? DEFAULT_DIMENSION;
  assertPositiveInteger('options.dimension', dimension);
  return Object.freeze({
    model: HASH_MODEL,
    dimension,
    embed(texts: readonly string[], signal?: AbortSignal): Promise<Float32Array[]> {
      if (signal?.aborted) return Promise.reject(abortedError(signal));
      // Separate buffers, so a caller may transfer or keep one vector without pinning the others.
      return Promise.resolve(texts.map((t) => {
        const v = new Float32Array(dimension);
        embedInto(String(t), dimension, v, 0);
        return v;
      }));
    },
  });
}
