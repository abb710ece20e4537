/**
 * roff escape sequences (`\fB`, `\-`, `\(em`, `\*(lq`, `\s-1`…) decoded to plain text: font and size
 * changes vanish, special characters become Unicode, strings defined with `.ds` are expanded, and
 * motion/drawing escapes are dropped with their arguments. Comments (`\"`, `\#`) end the line.
 */
import { specialChar } from './specials.js';

/** Strings every man page may use without defining them. */
const PREDEFINED: Readonly<Record<string, string>> = { R: '®', Tm: '™', lq: '“', rq: '”', S: '' };
/** Strings may refer to strings; deeper than this is a loop. */
const MAX_DEPTH = 8;
/** String expansions one line may make (strings of strings can grow exponentially). */
const MAX_EXPANSIONS = 1000;

const SIMPLE: Readonly<Record<string, string>> = {
  e: '\\', E: '\\', '\\': '\\', '-': '-', ' ': ' ', '~': ' ', '0': ' ', _: '_', t: '\t', "'": "'", '`': '`', '.': '.',
  '|': '', '^': '', '&': '', ')': '', '%': '', ':': '', '/': '', ',': '', c: '', p: '', r: '', d: '', u: '', a: '',
  '{': '', '}': '', z: '',
};
/** Escapes whose argument is delimited (`\w'abc'`); all are dropped. */
const DELIMITED = new Set(['h', 'v', 'w', 'o', 'l', 'L', 'D', 'X', 'Z', 'b', 'x', 'R', 'A', 'B', 'S', 'H', 'T', 'U']);
/** Escapes taking a name (`\fB`, `\f(CW`, `\f[B]`) that produce nothing. */
const NAMED_SILENT = new Set(['f', 'F', 'm', 'M', 'g', 'k', 'Y', 'V', '$', 'O']);

/** Read a name argument at `at`: `x`, `(xx` or `[name]`. Returns the name and the index after it. */
export function readName(s: string, at: number): { name: string; next: number } {
  const c = s[at];
  if (c === undefined) return { name: '', next: at };
  if (c === '(') return { name: s.slice(at + 1, at + 3), next: Math.min(s.length, at + 3) };
  if (c === '[') {
    const end = s.indexOf(']', at + 1);
    return end < 0 ? { name: s.slice(at + 1), next: s.length } : { name: s.slice(at + 1, end), next: end + 1 };
  }
  return { name: c, next: at + 1 };
}

/** Read a delimited argument at `at` (`'text'`): the text and the index after it. */
function readDelimited(s: string, at: number): { arg: string; next: number } {
  const delim = s[at];
  if (delim === undefined) return { arg: '', next: at };
  const end = s.indexOf(delim, at + 1);
  return end < 0 ? { arg: s.slice(at + 1), next: s.length } : { arg: s.slice(at + 1, end), next: end + 1 };
}

/** Skip a size argument of `\s`: `\s-1`, `\s+2`, `\s0`, `\s12`, `\s(12`, `\s[12]`, `\s'12'`. */
function skipSize(s: string, at: number): number {
  let i = at;
  if (s[i] === '+' || s[i] === '-') i++;
  const c = s[i];
  if (c === '(') return Math.min(s.length, i + 3);
  if (c === '[') return readName(s, i).next;
  if (c === "'") return readDelimited(s, i).next;
  if (c !== undefined && c >= '1' && c <= '3' && s[i + 1] !== undefined && /\d/.test(s[i + 1]!)) return i + 2;
  return c !== undefined && /\d/.test(c) ? i + 1 : i;
}

/** Defined strings (`.ds`), by name. */
export type RoffStrings = ReadonlyMap<string, string>;

/** Decode the escapes of one line of roff text. */
export function decodeEscapes(s: string, strings: RoffStrings, depth = 0, budget = { left: MAX_EXPANSIONS }): string {
  let out = '';
  let i = 0;
  while (i < s.length) {
    const bs = s.indexOf('\\', i);
    if (bs < 0) { out += s.slice(i); break; }
    out += s.slice(i, bs);
    const c = s[bs + 1];
    if (c === undefined) break;
    i = bs + 2;
    if (c === '"' || c === '#' || c === '!' || c === '?') break;
    const simple = SIMPLE[c];
    if (simple !== undefined) { out += simple; continue; }
    if (c === '(' || c === '[') {
      const { name, next } = readName(s, bs + 1);
      out += specialChar(name);
      i = next;
    } else if (c === 'C') {
      const { arg, next } = readDelimited(s, i);
      out += specialChar(arg);
      i = next;
    } else if (c === 'N') {
      const { arg, next } = readDelimited(s, i);
      out += specialChar(`char${arg}`);
      i = next;
    } else if (c === '*') {
      const { name, next } = readName(s, i);
      const value = strings.get(name) ?? PREDEFINED[name.split(' ')[0] ?? ''] ?? '';
      if (depth < MAX_DEPTH && budget.left > 0) {
        budget.left--;
        out += decodeEscapes(value, strings, depth + 1, budget);
      }
      i = next;
    } else if (c === 'n') {
      i = readName(s, s[i] === '+' || s[i] === '-' ? i + 1 : i).next;
    } else if (c === 's') {
      i = skipSize(s, i);
    } else if (NAMED_SILENT.has(c)) {
      i = readName(s, i).next;
    } else if (DELIMITED.has(c)) {
      i = readDelimited(s, i).next;
    } else {
      out += c; // an unknown escape prints its character
    }
  }
  return out;
}
