import { splitsPair, trimEndAt } from './text.js';

/**
 * How the splitter sizes spans [s, e) of one region's text, in the unit of the options. Chars are exact
 * and free; tokens plan with `approx` (one tokenization of the region) and check with `exact`, because
 * token counts of concatenations are not additive.
 */
export interface Measure {
  /** Size of [s, e) for planning merges; monotone in both ends. */
  approx(s: number, e: number): number;
  /** Size of `text.slice(s, e)` itself. */
  exact(s: number, e: number): number;
  /** True when `approx` is already exact, so nothing needs checking. */
  readonly exactIsApprox: boolean;
  /**
   * Hard cut: an end c in (s, e], with no whitespace before it, such that exact(s, c) <= limit, as far
   * along as the unit's boundaries allow (characters, or tokens). Never splits a surrogate pair.
   * Needs limit >= the unit's MIN_CHUNK_SIZE.
   */
  cutFit(s: number, e: number, limit: number): number;
  /** Smallest x (by `approx`) with approx(x, e) <= limit: where a search for a window ending at e starts. */
  windowStart(e: number, limit: number): number;
  /** Smallest character boundary p in [lo, e] with exact(p, e) <= limit (a hard overlap start). */
  backFit(lo: number, e: number, limit: number): number;
}

/** Chars are UTF-16 code units: sizes are offset differences. */
export class CharMeasure implements Measure {
  readonly exactIsApprox = true;
  readonly #text: string;

  constructor(text: string) {
    this.#text = text;
  }

  approx(s: number, e: number): number {
    return e - s;
  }

  exact(s: number, e: number): number {
    return e - s;
  }

  cutFit(s: number, e: number, limit: number): number {
    let c = s + limit;
    if (c >= e) return trimEndAt(this.#text, s, e);
    if (splitsPair(this.#text, c)) c--;
    return trimEndAt(this.#text, s, c);
  }

  windowStart(e: number, limit: number): number {
    return e - limit;
  }

  backFit(lo: number, e: number, limit: number): number {
    let p = Math.max(lo, e - limit);
    if (splitsPair(this.#text, p)) p++;
    return Math.min(p, e);
  }
}
