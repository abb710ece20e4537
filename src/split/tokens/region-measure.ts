import type { Measure } from '../measure.js';
import { isWs, splitsPair, trimEndAt } from '../text.js';
import type { TokenCounter } from './counter.js';

/** A hard cut first looks this many characters per allowed token ahead (then 4 times as far, ...). */
const WINDOW_CHARS_PER_TOKEN = 4;
/** Candidate cuts tried, furthest first, before searching character by character. */
const CUT_TRIES = 8;

/**
 * Token sizes within one region [start, end), from one pass of tiktoken's pretokenizer over it: the
 * boundaries between pretokens and the running token count at each. `approx` reads them; `exact`
 * tokenizes only the edges of a span. That is exact because the pattern has no lookbehind and looks
 * at most one character past a match: once a span's own pretokens land on a region boundary they are
 * the region's pretokens up to the last boundary before the span's end (when that end is not
 * whitespace), so only the first pretokens and the tail after that boundary need counting.
 */
export class TokenRegionMeasure implements Measure {
  readonly exactIsApprox = false;
  /** Tokens of the whole region. */
  readonly total: number;
  readonly #text: string;
  readonly #counter: TokenCounter;
  readonly #re: RegExp;
  readonly #start: number;
  readonly #end: number;
  /** Pretoken boundaries (absolute offsets, ascending, the first is `start`) and tokens before each. */
  #ends: Int32Array;
  #cums: Int32Array;
  #n = 0;
  #lastS = -1;
  #lastE = -1;
  #lastN = 0;

  constructor(text: string, counter: TokenCounter, start: number, end: number) {
    this.#text = text;
    this.#counter = counter;
    this.#re = new RegExp(counter.pattern, 'uy');
    this.#start = start;
    this.#end = end;
    const capacity = Math.ceil((end - start) / 3) + 2;
    this.#ends = new Int32Array(capacity);
    this.#cums = new Int32Array(capacity);
    this.total = this.#scan();
  }

  approx(s: number, e: number): number {
    return this.#cums[this.#atOrBefore(e)]! - this.#cums[this.#atOrBefore(s)]!;
  }

  exact(s: number, e: number): number {
    // The merge asks again for a span a cut has just checked; remember the last answer.
    if (s === this.#lastS && e === this.#lastE) return this.#lastN;
    const n = this.#exact(s, e);
    this.#lastS = s;
    this.#lastE = e;
    this.#lastN = n;
    return n;
  }

  #exact(s: number, e: number): number {
    if (e <= s) return 0;
    if (s === this.#start && e === this.#end) return this.total;
    const text = this.#text;
    if (s < this.#start || e > this.#end || isWs(text.charCodeAt(e - 1))) return this.#counter.count(text.slice(s, e));
    const re = this.#re;
    const str = text.slice(s, e);
    let n = 0;
    for (let at = 0; at < str.length;) {
      re.lastIndex = at;
      if (re.test(str)) {
        n += this.#counter.pieceTokens(str.slice(at, re.lastIndex));
        at = re.lastIndex;
      } else at++;
      const pos = s + at;
      if (pos >= e) return n;
      const b = this.#atOrBefore(pos);
      if (this.#ends[b] !== pos) continue;
      // In step with the region from here: take its counts up to its last boundary before e.
      const z = this.#atOrBefore(e);
      n += this.#cums[z]! - this.#cums[b]!;
      const zEnd = this.#ends[z]!;
      return zEnd === e ? n : n + this.#counter.count(text.slice(zEnd, e));
    }
    return n;
  }

  windowStart(e: number, limit: number): number {
    const target = this.#cums[this.#atOrBefore(e)]! - limit;
    if (target <= 0) return this.#start;
    let lo = 0;
    let hi = this.#n - 1; // cums is non-decreasing: first index with cums >= target
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (this.#cums[mid]! >= target) hi = mid;
      else lo = mid + 1;
    }
    return this.#ends[lo]!;
  }

  cutFit(s: number, e: number, limit: number): number {
    const text = this.#text;
    for (let span = limit * WINDOW_CHARS_PER_TOKEN + 16; ; span *= 4) {
      let w = Math.min(e, s + span);
      if (splitsPair(text, w)) w--;
      const b = this.#boundaries(s, w, limit, false);
      if (!b.stopped && w < e) continue; // all of the window fits: look further
      let tries = 0;
      let tried = -1;
      for (let i = b.at.length - 1; i > 0 && tries < CUT_TRIES; i--) {
        const c = trimEndAt(text, s, b.at[i]!);
        if (c <= s || c === tried) continue;
        tried = c;
        tries++;
        if (this.exact(s, c) <= limit) return c;
      }
      return this.#searchCut(s, w, limit);
    }
  }

  backFit(lo: number, e: number, limit: number): number {
    const text = this.#text;
    if (splitsPair(text, lo)) lo++;
    if (lo >= e) return e;
    for (let span = limit * WINDOW_CHARS_PER_TOKEN + 16; ; span *= 4) {
      let x = Math.max(lo, e - span);
      if (splitsPair(text, x)) x++;
      const b = this.#boundaries(x, e, Number.POSITIVE_INFINITY, true);
      let i = 0;
      while (i < b.at.length && b.total - b.before[i]! > limit) i++;
      if (i === 0 && x > lo) continue; // all of the window fits: look further back
      for (let tries = 0; i < b.at.length && tries < CUT_TRIES; i++, tries++) {
        const p = b.at[i]!;
        if (p >= e) break;
        if (this.exact(p, e) <= limit) return p;
      }
      return this.#searchBack(lo, e, limit);
    }
  }

  /**
   * Token boundaries of text.slice(x, y) tokenized on its own, ascending from [x, 0]: `at` offsets and
   * `before` tokens before each. Pretoken ends always; token ends inside a pretoken (at character
   * boundaries) with `inner`, or for the pretoken that passes `limit`, where it stops (`stopped`).
   */
  #boundaries(x: number, y: number, limit: number, inner: boolean): { at: number[]; before: number[]; total: number; stopped: boolean } {
    const re = this.#re;
    const str = this.#text.slice(x, y);
    const at: number[] = [x];
    const before: number[] = [0];
    let n = 0;
    for (let i = 0; i < str.length;) {
      re.lastIndex = i;
      if (!re.test(str)) {
        i++;
        continue;
      }
      const piece = str.slice(i, re.lastIndex);
      const k = this.#counter.pieceTokens(piece);
      const crosses = n + k > limit;
      if (inner || crosses) {
        const ends = this.#counter.tokenEnds(piece);
        if (ends !== undefined) {
          for (let t = 0; t + 2 < ends.length && n + ends[t + 1]! <= limit; t += 2) {
            at.push(x + i + ends[t]!);
            before.push(n + ends[t + 1]!);
          }
        }
      }
      if (crosses) return { at, before, total: n + k, stopped: true };
      n += k;
      i = re.lastIndex;
      at.push(x + i);
      before.push(n);
    }
    return { at, before, total: n, stopped: false };
  }

  /** Largest character boundary c in (s, w] with exact(s, c) <= limit, by bisection (first character always fits). */
  #searchCut(s: number, w: number, limit: number): number {
    const text = this.#text;
    let good = splitsPair(text, s + 1) ? s + 2 : s + 1;
    if (this.exact(s, trimEndAt(text, s, w)) <= limit) return trimEndAt(text, s, w);
    let bad = w;
    while (bad - good > 1) {
      let mid = (good + bad) >>> 1;
      if (splitsPair(text, mid)) mid = mid + 1 < bad ? mid + 1 : mid - 1;
      if (mid <= good) break;
      const c = trimEndAt(text, s, mid);
      if (c > s && this.exact(s, c) <= limit) good = mid;
      else bad = mid;
    }
    return trimEndAt(text, s, good);
  }

  /** Smallest character boundary p in [lo, e] with exact(p, e) <= limit, by bisection. */
  #searchBack(lo: number, e: number, limit: number): number {
    if (this.exact(lo, e) <= limit) return lo;
    let bad = lo;
    let good = e;
    while (good - bad > 1) {
      let mid = (bad + good) >>> 1;
      if (splitsPair(this.#text, mid)) mid = mid + 1 < good ? mid + 1 : mid - 1;
      if (mid <= bad) break;
      if (this.exact(mid, e) <= limit) good = mid;
      else bad = mid;
    }
    return good;
  }

  /** Index of the last boundary at or before x (x >= start). */
  #atOrBefore(x: number): number {
    const ends = this.#ends;
    let lo = 0;
    let hi = this.#n - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >>> 1;
      if (ends[mid]! <= x) lo = mid;
      else hi = mid - 1;
    }
    return lo;
  }

  /** Tokenizes the region once, recording every pretoken boundary; returns the token total. */
  #scan(): number {
    const re = this.#re;
    const str = this.#text.slice(this.#start, this.#end);
    const base = this.#start;
    this.#push(base, 0);
    let n = 0;
    for (let at = 0; at < str.length;) {
      re.lastIndex = at;
      // The pattern matches at every character; should it ever not, tiktoken passes over it too.
      if (re.test(str)) {
        n += this.#counter.pieceTokens(str.slice(at, re.lastIndex));
        at = re.lastIndex;
      } else at++;
      this.#push(base + at, n);
    }
    return n;
  }

  #push(end: number, cum: number): void {
    if (this.#n === this.#ends.length) {
      const ends = new Int32Array(this.#n * 2);
      const cums = new Int32Array(this.#n * 2);
      ends.set(this.#ends);
      cums.set(this.#cums);
      this.#ends = ends;
      this.#cums = cums;
    }
    this.#ends[this.#n] = end;
    this.#cums[this.#n] = cum;
    this.#n++;
  }
}
