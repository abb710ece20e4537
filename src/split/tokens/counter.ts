import type { Tiktoken } from 'js-tiktoken/lite';
import { bytePairStarts, bytesKey, MergeTable } from './bpe.js';

/**
 * Cached pretokens: short ones only (most words). The cache has two generations of this many entries:
 * when the newer one is full it becomes the older one and the oldest is dropped, so a stream of rare
 * pretokens cannot flush the common ones.
 */
const CACHE_GENERATION = 100_000;
const CACHE_MAX_LENGTH = 64;
/** V8 keeps a substring this long as a view into its parent string (SlicedString::kMinLength). */
const SLICE_MIN_LENGTH = 13;

/** Options of a {@link TokenCounter}. */
export interface TokenCounterOptions {
  /**
   * Count through `Tiktoken.encode` only, never through its rank table (slower, and hard cuts fall
   * back to a search over characters). Used when the table is not reachable; tests force it.
   * @defaultValue false
   */
  viaEncode?: boolean;
}

/**
 * Counts tokens the way `Tiktoken.encode(text, [], []).length` does (special tokens are plain text),
 * but cheaply: tiktoken splits text with its pattern into pretokens and byte-pair-encodes each one on
 * its own, so the count is the sum over pretokens, and each distinct pretoken is encoded once per thread.
 */
export class TokenCounter {
  /** tiktoken's pretokenizer pattern; callers make their own sticky ('uy') RegExp from it. */
  readonly pattern: string;
  readonly #enc: Tiktoken;
  readonly #ranks: Map<string, number> | undefined;
  #merges: MergeTable | undefined;
  /** Longest token of the table, bytes: a longer pretoken cannot be one token. */
  #maxTokenBytes = 0;
  #hot = new Map<string, number>();
  #cold = new Map<string, number>();
  readonly #utf8 = new TextEncoder();
  readonly #re: RegExp;

  constructor(enc: Tiktoken, pattern: string, opts: TokenCounterOptions = {}) {
    this.#enc = enc;
    this.pattern = pattern;
    this.#re = new RegExp(pattern, 'uy');
    // js-tiktoken keeps its ranks in `rankMap`, keyed by the token's bytes joined with commas. It is not
    // typed as public, so look for it and fall back to encode() if a release moves it.
    const rankMap = (enc as unknown as { rankMap?: unknown }).rankMap;
    if (!opts.viaEncode && rankMap instanceof Map) this.#ranks = rankMap as Map<string, number>;
  }

  /** Tokens of `text`. */
  count(text: string): number {
    const re = this.#re;
    let n = 0;
    for (let at = 0; at < text.length;) {
      re.lastIndex = at;
      // test() on a sticky RegExp finds the match at `at` without allocating a match array.
      if (!re.test(text)) {
        at++; // the pattern matches at every character; tiktoken would pass over one it did not
        continue;
      }
      n += this.pieceTokens(text.slice(at, re.lastIndex));
      at = re.lastIndex;
    }
    return n;
  }

  /** Tokens of one pretoken (one match of {@link pattern}). */
  pieceTokens(piece: string): number {
    let n = this.#hot.get(piece);
    if (n !== undefined) return n;
    n = this.#cold.get(piece) ?? (this.#ranks === undefined ? this.#enc.encode(piece, [], []).length : this.#bpe(piece).length);
    if (piece.length <= CACHE_MAX_LENGTH) {
      if (this.#hot.size >= CACHE_GENERATION) {
        this.#cold = this.#hot;
        this.#hot = new Map();
      }
      // A long match is a view into the whole document; a cached view would keep the document alive.
      this.#hot.set(piece.length < SLICE_MIN_LENGTH ? piece : flatCopy(piece), n);
    }
    return n;
  }

  /**
   * Where the tokens of one pretoken end, as [utf16End, tokensSoFar] pairs flattened, ascending, only at
   * character boundaries (a token may end inside a character's UTF-8 bytes). Undefined when counting
   * through encode(), which does not tell.
   */
  tokenEnds(piece: string): number[] | undefined {
    if (this.#ranks === undefined) return undefined;
    const starts = this.#bpe(piece);
    const out: number[] = [];
    let byte = 0;
    let t = 1; // tokens that end at or before `byte`, once byte passes starts[t]
    for (let u = 0; u < piece.length;) {
      const c = piece.charCodeAt(u);
      let units = 1;
      if (c < 0x80) byte += 1;
      else if (c < 0x800) byte += 2;
      else if ((c & 0xfc00) === 0xd800 && u + 1 < piece.length && (piece.charCodeAt(u + 1) & 0xfc00) === 0xdc00) {
        byte += 4;
        units = 2;
      } else byte += 3; // BMP, or a lone surrogate (encoded as U+FFFD)
      u += units;
      while (t < starts.length && starts[t]! < byte) t++;
      if (t < starts.length ? starts[t] === byte : u === piece.length) out.push(u, t);
    }
    return out;
  }

  /** Token start offsets (bytes) of one pretoken, as encode() would produce them. */
  #bpe(piece: string): number[] {
    const ranks = this.#ranks!;
    if (this.#merges === undefined) {
      this.#merges = new MergeTable((key) => ranks.get(key));
      for (const key of ranks.keys()) this.#maxTokenBytes = Math.max(this.#maxTokenBytes, countCommas(key) + 1);
    }
    const bytes = this.#utf8.encode(piece);
    if (bytes.length <= 1) return bytes.length === 0 ? [] : [0];
    // encode() takes a pretoken that is a token as it is, before any merging.
    if (bytes.length <= this.#maxTokenBytes && ranks.has(bytesKey(bytes))) return [0];
    return bytePairStarts(bytes, this.#merges);
  }
}

function countCommas(s: string): number {
  let n = 0;
  for (let i = s.indexOf(','); i >= 0; i = s.indexOf(',', i + 1)) n++;
  return n;
}

/** A copy of `s` that is not a view into a larger string. */
function flatCopy(s: string): string {
  // Concatenating makes a rope; slicing a rope first flattens it into a new string of its own.
  return (s + ' ').slice(0, -1);
}
