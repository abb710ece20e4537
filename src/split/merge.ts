import type { Measure } from './measure.js';
import type { PieceList } from './pieces.js';
import { isCjkSentenceEnd, isSentencePunct, isWs, skipWs, trimEndAt } from './text.js';

/** Receives each chunk of a region: [start, end) and its size in the unit. */
export type EmitChunk = (start: number, end: number, size: number) => void;

/** How many overlap starts are checked by exact size before going without overlap. */
const OVERLAP_TRIES = 8;

/** Settings and state of merging one region's pieces. */
interface Merge {
  text: string;
  p: PieceList;
  m: Measure;
  size: number;
  overlap: number;
  /** Result of chooseEnd: the chunk end, the piece it ends in, its exact size. */
  end: number;
  piece: number;
  endSize: number;
}

/**
 * Merge adjacent pieces greedily into chunks of at most `size` (checked exactly), each chunk after the
 * first starting up to `overlap` before the previous one's end: at a piece start where one fits, else
 * at a sentence or word start, else (inside a run without whitespace) at a character or token boundary.
 * Every chunk ends past the previous one, so the loop ends and no non-whitespace is left out.
 */
export function mergePieces(text: string, pieces: PieceList, m: Measure, size: number, overlap: number, emit: EmitChunk): void {
  const n = pieces.length;
  if (n === 0) return;
  const g: Merge = { text, p: pieces, m, size, overlap, end: 0, piece: 0, endSize: 0 };
  const last = pieces.ends[n - 1]!;
  let cs = pieces.starts[0]!;
  let k = 0;
  let prevEnd = -1;
  let restStart = -1;
  let restPiece = -1;
  for (;;) {
    chooseEnd(g, cs, k);
    if (g.end <= prevEnd) {
      // The overlap left no room for anything new: start where the previous chunk stopped instead.
      cs = restStart;
      k = restPiece;
      chooseEnd(g, cs, k);
    }
    emit(cs, g.end, g.endSize);
    if (g.end >= last) return;
    const j = g.piece;
    const ce = g.end;
    if (ce >= pieces.ends[j]!) {
      restStart = pieces.starts[j + 1]!;
      restPiece = j + 1;
    } else {
      restStart = skipWs(text, ce, pieces.ends[j]!);
      restPiece = j;
    }
    prevEnd = ce;
    const o = overlap > 0 ? overlapStart(g, cs, k, ce, j, restStart, restPiece) : -1;
    if (o >= 0) {
      cs = o;
      k = j;
      while (k > 0 && pieces.starts[k]! > o) k--;
    } else {
      cs = restStart;
      k = restPiece;
    }
  }
}

/** The end of the chunk starting at cs (inside piece k): as many whole pieces as fit, else a cut. */
function chooseEnd(g: Merge, cs: number, k: number): void {
  const { m, size } = g;
  const ends = g.p.ends;
  if (m.approx(cs, ends[k]!) > size) return cutInto(g, cs, k);
  let j = k;
  while (j + 1 < g.p.length && m.approx(cs, ends[j + 1]!) <= size) j++;
  let ce = ends[j]!;
  for (;;) {
    const exact = m.exact(cs, ce);
    if (exact <= size) {
      g.end = ce;
      g.piece = j;
      g.endSize = exact;
      return;
    }
    if (j === k) return cutInto(g, cs, k);
    j--;
    ce = ends[j]!;
  }
}

/** End the chunk inside piece k: a hard cut, moved back to a word end when the piece has words. */
function cutInto(g: Merge, cs: number, k: number): void {
  const { text, m, size } = g;
  let c = m.cutFit(cs, g.p.ends[k]!, size);
  if (!g.p.hard[k]) {
    let w = c;
    while (w > cs && !isWs(text.charCodeAt(w - 1))) w--;
    const e = trimEndAt(text, cs, w);
    if (e > cs && m.exact(cs, e) <= size) c = e;
  }
  g.end = c;
  g.piece = k;
  g.endSize = m.exact(cs, c);
}

/**
 * Where the chunk after [cs, ce) starts so it repeats at most `overlap` of it, or -1 for no overlap.
 * The next chunk must still take in something new: the next piece whole (unless it is a hard one,
 * which starts its own chunk), or the next word of a piece that was cut.
 */
function overlapStart(g: Merge, cs: number, k: number, ce: number, j: number, restStart: number, restPiece: number): number {
  const { text, m, p } = g;
  let need: number;
  if (restPiece === j) {
    if (p.hard[j]) {
      const at = m.backFit(Math.max(cs + 1, m.windowStart(ce, g.overlap)), ce, g.overlap);
      return at < ce ? at : -1;
    }
    need = restStart;
    while (need < p.ends[j]! && !isWs(text.charCodeAt(need))) need++;
  } else {
    if (p.hard[restPiece]) return -1;
    need = p.ends[restPiece]!;
  }
  const lo = Math.max(cs + 1, m.windowStart(ce, g.overlap), m.windowStart(need, g.size));
  if (lo >= ce) return -1;
  let at = -1;
  if (j > k && p.starts[j]! >= lo) {
    let q = j;
    while (q - 1 > k && p.starts[q - 1]! >= lo) q--;
    at = tryFrom(g, p.starts[q]!, ce);
  }
  if (at >= 0) return at;
  const { word, sentence } = firstStarts(text, cs, lo, ce);
  if (sentence >= 0) at = tryFrom(g, sentence, ce);
  if (at < 0 && word >= 0 && word !== sentence) at = tryFrom(g, word, ce);
  return at;
}

/** The first of `at` and the word starts after it whose span to ce is within the overlap (exactly). */
function tryFrom(g: Merge, at: number, ce: number): number {
  if (g.m.exactIsApprox) return at;
  for (let tries = 0; at >= 0 && at < ce && tries < OVERLAP_TRIES; tries++) {
    if (g.m.exact(at, ce) <= g.overlap) return at;
    at = firstStarts(g.text, at, at + 1, ce).word;
  }
  return -1;
}

/** First word start and first sentence start in [lo, ce) (-1 when none); lo > cs. */
function firstStarts(text: string, cs: number, lo: number, ce: number): { word: number; sentence: number } {
  let word = -1;
  for (let i = lo; i < ce; i++) {
    if (isWs(text.charCodeAt(i))) continue;
    const prev = text.charCodeAt(i - 1);
    if (isCjkSentenceEnd(prev)) return { word: word < 0 ? i : word, sentence: i };
    if (!isWs(prev)) continue;
    if (word < 0) word = i;
    let b = i - 1;
    while (b > cs && isWs(text.charCodeAt(b))) b--;
    if (isSentencePunct(text.charCodeAt(b))) return { word, sentence: i };
  }
  return { word, sentence: -1 };
}
