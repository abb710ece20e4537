/**
 * Text → 32-bit feature hashes for the hash embedder: Unicode-aware word tokens, then unigrams and
 * bigrams, hashed while scanning so that no token string is ever built.
 *
 * A token is a run of letters or digits (`\p{L}\p{N}`); combining marks (`\p{M}`) continue a token,
 * so Devanagari or decomposed accents stay inside their word. CJK ideographs have no spaces between
 * words, so each one is a token of its own (as BERT's basic tokenizer does) and the bigrams give
 * character pairs. Everything else separates tokens.
 */

/** Scratch for the hashes of one text (per thread, grown on demand; the caller reads it synchronously). */
let scratch = new Uint32Array(1024);

const SEP = 0;
const WORD = 1;
const MARK = 2;
const IDEOGRAPH = 3;
type CharClass = typeof SEP | typeof WORD | typeof MARK | typeof IDEOGRAPH;

const WORD_RE = /^[\p{L}\p{N}]$/u;
const MARK_RE = /^\p{M}$/u;

/** Classes of the BMP, filled lazily: 0 = not yet known, else class + 1. */
const bmpClass = new Uint8Array(0x10000);
/** Classes of astral code points seen so far (few distinct ones in practice). */
const astralClass = new Map<number, CharClass>();

function isIdeograph(cp: number): boolean {
  return (cp >= 0x4e00 && cp <= 0x9fff) || (cp >= 0x3400 && cp <= 0x4dbf) || (cp >= 0xf900 && cp <= 0xfaff)
    || (cp >= 0x20000 && cp <= 0x2fa1f) || (cp >= 0x30000 && cp <= 0x3134f);
}

function classify(cp: number): CharClass {
  if (isIdeograph(cp)) return IDEOGRAPH;
  const ch = String.fromCodePoint(cp);
  if (WORD_RE.test(ch)) return WORD;
  return MARK_RE.test(ch) ? MARK : SEP;
}

function charClass(cp: number): CharClass {
  if (cp < 0x10000) {
    const known = bmpClass[cp] as number;
    if (known !== 0) return (known - 1) as CharClass;
    const c = classify(cp);
    bmpClass[cp] = c + 1;
    return c;
  }
  let c = astralClass.get(cp);
  if (c === undefined) {
    c = classify(cp);
    astralClass.set(cp, c);
  }
  return c;
}

const FNV_OFFSET = 0x811c9dc5;
const FNV_PRIME = 0x01000193;

/** murmur3's finaliser: spreads FNV's weak low bits over the whole word. */
export function fmix32(h: number): number {
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

/** A bigram's feature from its two unigram features (order matters: "new york" ≠ "york new"). */
function bigram(a: number, b: number): number {
  return fmix32(Math.imul(a, 0x9e3779b1) ^ ((b << 13) | (b >>> 19)) ^ 0x27d4eb2f);
}

function push(n: number, feature: number): number {
  if (n === scratch.length) {
    const bigger = new Uint32Array(scratch.length * 2);
    bigger.set(scratch);
    scratch = bigger;
  }
  scratch[n] = feature;
  return n + 1;
}

/**
 * The unigram and bigram features of `text` (already lowercased and normalised), as a view of a
 * per-thread scratch buffer: valid until the next call. Empty when `text` has no token.
 */
export function textFeatures(text: string): Uint32Array {
  let n = 0;
  let h = FNV_OFFSET;
  let inToken = false;
  let prev = -1; // previous unigram feature, -1 = none yet
  const endToken = (): void => {
    const u = fmix32(h);
    n = push(n, u);
    if (prev !== -1) n = push(n, bigram(prev, u));
    prev = u;
    inToken = false;
    h = FNV_OFFSET;
  };
  for (let i = 0; i < text.length; i++) {
    const unit = text.charCodeAt(i);
    let cp = unit;
    let low = -1;
    if (unit >= 0xd800 && unit <= 0xdbff && i + 1 < text.length) {
      const next = text.charCodeAt(i + 1);
      if (next >= 0xdc00 && next <= 0xdfff) {
        cp = ((unit - 0xd800) << 10) + (next - 0xdc00) + 0x10000;
        low = next;
        i++;
      }
    }
    const c = charClass(cp);
    if (c === SEP || (c === MARK && !inToken)) {
      if (inToken) endToken();
      continue;
    }
    if (c === IDEOGRAPH && inToken) endToken();
    h = Math.imul(h ^ unit, FNV_PRIME);
    if (low !== -1) h = Math.imul(h ^ low, FNV_PRIME);
    inToken = true;
    if (c === IDEOGRAPH) endToken();
  }
  if (inToken) endToken();
  return scratch.subarray(0, n);
}

/** One feature for the whole of `text` (a text without tokens, such as "!!!" or an emoji). */
export function wholeTextFeature(text: string): number {
  let h = FNV_OFFSET;
  for (let i = 0; i < text.length; i++) h = Math.imul(h ^ text.charCodeAt(i), FNV_PRIME);
  return fmix32(h);
}
