import type { Measure } from './measure.js';
import { isCjkSentenceEnd, isSentencePunct, isWs, skipWs, trimEndAt } from './text.js';

/** Separator levels, strongest first; a span is split at a level only when it is over the limit. */
const PARAGRAPH = 0;
const LINE = 1;
const SENTENCE = 2;
const WORD = 3;
const HARD = 4;

/**
 * The atoms of one region, in order: spans [start, end) that begin and end with non-whitespace, with only
 * whitespace between them, together holding every non-whitespace character of the region. Each is
 * within the limit except `hard` ones (a run without whitespace over the limit, cut while merging).
 */
export class PieceList {
  starts: number[] = [];
  ends: number[] = [];
  hard: boolean[] = [];
  length = 0;

  reset(): void {
    this.starts.length = 0;
    this.ends.length = 0;
    this.hard.length = 0;
    this.length = 0;
  }

  push(start: number, end: number, hard: boolean): void {
    this.starts.push(start);
    this.ends.push(end);
    this.hard.push(hard);
    this.length++;
  }
}

/**
 * Finds newlines with native `indexOf` (much faster than a loop over char codes), remembering the last
 * answer: `indexOf` cannot be bounded, so without it many small regions on one long line would each
 * search to the end of that line.
 */
export class Newlines {
  readonly #text: string;
  #from = -1;
  #at = -1;

  constructor(text: string) {
    this.#text = text;
  }

  /** Offset of the first newline at or after i (text.length when none). */
  next(i: number): number {
    if (i >= this.#from && i <= this.#at) return this.#at;
    const at = this.#text.indexOf('\n', i);
    this.#from = i;
    this.#at = at < 0 ? this.#text.length : at;
    return this.#at;
  }
}

interface Ctx {
  text: string;
  limit: number;
  m: Measure;
  out: PieceList;
  nl: Newlines;
}

/**
 * Split the trimmed span [s, e) recursively: by blank lines, then lines, sentence ends, whitespace;
 * a span within `limit` (by `m.approx`) stays whole. Scans each character once per level it reaches,
 * with no regular expressions and no substrings.
 */
export function collectPieces(text: string, s: number, e: number, limit: number, m: Measure, out: PieceList, nl: Newlines): void {
  splitSpan({ text, limit, m, out, nl }, s, e, PARAGRAPH);
}

function splitSpan(c: Ctx, s: number, e: number, level: number): void {
  if (c.m.approx(s, e) <= c.limit) c.out.push(s, e, false);
  else if (level === PARAGRAPH) byParagraphs(c, s, e);
  else if (level === LINE) byLines(c, s, e);
  else if (level === SENTENCE) bySentences(c, s, e);
  else if (level === WORD) byWords(c, s, e);
  else c.out.push(s, e, true);
}

/** Separator: a newline, then only whitespace up to another newline (and all whitespace after). */
function byParagraphs(c: Ctx, s: number, e: number): void {
  const t = c.text;
  let sub = s;
  for (let i = c.nl.next(s); i < e; i = c.nl.next(i)) {
    let j = i + 1;
    while (j < e) {
      const ch = t.charCodeAt(j);
      if (ch === 10 || !isWs(ch)) break;
      j++;
    }
    if (j >= e) break;
    if (t.charCodeAt(j) !== 10) {
      i = j;
      continue;
    }
    splitSpan(c, sub, trimEndAt(t, sub, i), LINE);
    sub = skipWs(t, j + 1, e);
    i = sub;
  }
  if (sub < e) splitSpan(c, sub, e, LINE);
}

function byLines(c: Ctx, s: number, e: number): void {
  const t = c.text;
  let sub = s;
  for (let i = c.nl.next(s); i < e; i = c.nl.next(i)) {
    splitSpan(c, sub, trimEndAt(t, sub, i), SENTENCE);
    sub = skipWs(t, i + 1, e);
    i = sub;
  }
  if (sub < e) splitSpan(c, sub, e, SENTENCE);
}

/** A sentence ends after `.`, `!` or `?` followed by whitespace, or after `。`, `！`, `？`. */
function bySentences(c: Ctx, s: number, e: number): void {
  const t = c.text;
  let sub = s;
  for (let i = s; i < e - 1; i++) {
    const ch = t.charCodeAt(i);
    if (isSentencePunct(ch) ? !isWs(t.charCodeAt(i + 1)) : !isCjkSentenceEnd(ch)) continue;
    splitSpan(c, sub, i + 1, WORD);
    sub = skipWs(t, i + 1, e);
    i = sub - 1;
  }
  if (sub < e) splitSpan(c, sub, e, WORD);
}

function byWords(c: Ctx, s: number, e: number): void {
  const t = c.text;
  let sub = s;
  for (let i = s; i < e; i++) {
    if (!isWs(t.charCodeAt(i))) continue;
    splitSpan(c, sub, i, HARD);
    sub = skipWs(t, i, e);
    i = sub - 1;
  }
  splitSpan(c, sub, e, HARD);
}
