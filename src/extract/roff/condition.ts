/**
 * Conditions of `.if`, `.ie` and `.el`, judged as nroff on a terminal would: `n` is true, `t` false,
 * `d name` asks whether a string is defined, `'a'b'` compares strings, and numbers are read after
 * replacing the groff register `.g` by 1 and every other register by 0. Anything fancier is false.
 */
import { decodeEscapes, type RoffStrings } from './escapes.js';

/** The condition's value and the rest of the line after it. */
export interface Condition {
  value: boolean;
  rest: string;
}

function numeric(expr: string): boolean {
  const e = expr.replace(/\\n(?:\(\.g|\[\.g\])/g, '1').replace(/\\n[+-]?(?:\([^\s]{2}|\[[^\]]*\]|.)/g, '0');
  const m = /^\(*(\d+(?:\.\d+)?)\)*$/.exec(e);
  return m !== null && Number(m[1]) > 0;
}

/** Judge the condition at the start of `s`. */
export function evalCondition(s: string, strings: RoffStrings): Condition {
  let i = 0;
  while (s[i] === ' ' || s[i] === '\t') i++;
  let negate = false;
  if (s[i] === '!') { negate = true; i++; }
  const c = s[i] ?? '';
  const after = s[i + 1];
  const ends = (ch: string | undefined): boolean => ch === undefined || ch === ' ' || ch === '\t' || ch === '\\';
  let value: boolean;
  if ('ntevo'.includes(c) && c !== '' && ends(after)) {
    value = c === 'n' || c === 'o';
    i++;
  } else if ('drcmFS'.includes(c) && c !== '' && (after === ' ' || after === '\t')) {
    const m = /^\s*(\S+)/.exec(s.slice(i + 1));
    value = c === 'd' && m !== null && strings.has(m[1]!);
    i += 1 + (m ? m[0].length : 0);
  } else if (c !== '' && /[^\w\s\\(.+-]/.test(c)) {
    const a = s.indexOf(c, i + 1);
    const b = a < 0 ? -1 : s.indexOf(c, a + 1);
    if (b < 0) return { value: negate, rest: '' };
    value = decodeEscapes(s.slice(i + 1, a), strings) === decodeEscapes(s.slice(a + 1, b), strings);
    i = b + 1;
  } else {
    const m = /^\S*/.exec(s.slice(i))![0];
    const brace = m.indexOf('\\{');
    const expr = brace >= 0 ? m.slice(0, brace) : m;
    value = numeric(expr);
    i += expr.length;
  }
  return { value: negate ? !value : value, rest: s.slice(i).replace(/^[ \t]+/, '') };
}
