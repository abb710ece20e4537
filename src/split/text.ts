/**
 * Character classes of the splitter, on UTF-16 code units. Whitespace is exactly JavaScript's `\s`
 * (a test checks every BMP code unit), so "whitespace-only" means the same here as in `trim()`.
 */

/** True when the code unit `c` is JavaScript whitespace (`/\s/`). */
export function isWs(c: number): boolean {
  if (c <= 32) return c === 32 || (c >= 9 && c <= 13);
  if (c < 0xa0) return false;
  return c === 0xa0 || c === 0x1680 || (c >= 0x2000 && c <= 0x200a) || c === 0x2028 || c === 0x2029
    || c === 0x202f || c === 0x205f || c === 0x3000 || c === 0xfeff;
}

/** True when `text[i - 1]` and `text[i]` are the two halves of one surrogate pair (never cut there). */
export function splitsPair(text: string, i: number): boolean {
  return i > 0 && i < text.length && (text.charCodeAt(i - 1) & 0xfc00) === 0xd800 && (text.charCodeAt(i) & 0xfc00) === 0xdc00;
}

/** First offset in [s, e) that is not whitespace, or `e`. */
export function skipWs(text: string, s: number, e: number): number {
  while (s < e && isWs(text.charCodeAt(s))) s++;
  return s;
}

/** One past the last offset in [s, e) that is not whitespace, or `s`. */
export function trimEndAt(text: string, s: number, e: number): number {
  while (e > s && isWs(text.charCodeAt(e - 1))) e--;
  return e;
}

/** `.`, `!` or `?`: a sentence ends after one of these when whitespace follows. */
export function isSentencePunct(c: number): boolean {
  return c === 0x2e || c === 0x21 || c === 0x3f;
}

/** `。`, `！`, `？`: full-width sentence ends, which need no following whitespace. */
export function isCjkSentenceEnd(c: number): boolean {
  return c === 0x3002 || c === 0xff01 || c === 0xff1f;
}
