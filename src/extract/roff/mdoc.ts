/**
 * The BSD mdoc macros (`.Sh`, `.Nm`, `.Fl`, `.Op`, `.Xr`…) that some man pages are written in,
 * rendered as nroff would show them on a terminal, in a simplified way: formatting macros vanish,
 * flags get their dash, quotes and brackets enclose what follows them on the line.
 */

/** mdoc macros that may appear as words inside another macro's arguments. */
const CALLABLE = new Set([
  'Ad', 'An', 'Ap', 'Ar', 'At', 'Bsx', 'Bx', 'Cd', 'Cm', 'Dv', 'Dx', 'Em', 'Er', 'Es', 'Ev', 'Fa', 'Fl', 'Fn', 'Fr', 'Ft',
  'Fx', 'Ic', 'In', 'Li', 'Lk', 'Mt', 'Nm', 'No', 'Ns', 'Nx', 'Ox', 'Pa', 'Pf', 'Sx', 'Sy', 'Tn', 'Ux', 'Va', 'Vt',
  'Xr', 'Ac', 'Ao', 'Bc', 'Bo', 'Brc', 'Bro', 'Dc', 'Do', 'Ec', 'Eo', 'Oc', 'Oo', 'Pc', 'Po', 'Qc', 'Qo', 'Sc', 'So',
  'Xc', 'Xo', 'Aq', 'Bq', 'Brq', 'Dq', 'Op', 'Pq', 'Ql', 'Qq', 'Sq', 'Ta', 'St',
]);
/** mdoc macros that only begin a line. */
const LINE_ONLY = new Set([
  'Dd', 'Dt', 'Os', 'Sh', 'Ss', 'Pp', 'Lp', 'Bl', 'El', 'Bd', 'Ed', 'It', 'Nd', 'Rs', 'Re', 'Bf', 'Ef', 'Bk', 'Ek',
  'D1', 'Dl', 'Ud', 'Rv', 'Ex', 'Sm', 'Db', 'Hf', 'Lb', 'Ms', 'Fd', 'Fo', 'Fc', 'Ot', 'Bt', 'Tg',
  '%A', '%B', '%C', '%D', '%I', '%J', '%N', '%O', '%P', '%Q', '%R', '%T', '%U', '%V',
]);

/** Is `name` an mdoc macro? */
export function isMdocMacro(name: string): boolean {
  return CALLABLE.has(name) || LINE_ONLY.has(name);
}

const ENCLOSE: Readonly<Record<string, [string, string]>> = {
  Op: ['[', ']'], Dq: ['“', '”'], Qq: ['"', '"'], Sq: ['‘', '’'], Pq: ['(', ')'], Aq: ['⟨', '⟩'], Bq: ['[', ']'],
  Brq: ['{', '}'], Ql: ['‘', '’'],
};
const OPEN: Readonly<Record<string, string>> = { Oo: '[', Do: '“', Qo: '"', So: '‘', Po: '(', Ao: '⟨', Bo: '[', Bro: '{' };
const CLOSE: Readonly<Record<string, string>> = { Oc: ']', Dc: '”', Qc: '"', Sc: '’', Pc: ')', Ac: '⟩', Bc: ']', Brc: '}' };
const WORDS: Readonly<Record<string, string>> = {
  Ux: 'UNIX', Bx: 'BSD', At: 'AT&T UNIX', Bsx: 'BSD/OS', Dx: 'DragonFly', Fx: 'FreeBSD', Nx: 'NetBSD', Ox: 'OpenBSD',
};

/** Page state the rendering needs: the utility's name (set by the first `.Nm name`). */
export interface MdocContext {
  name?: string;
}

const closing = (t: string): boolean => /^[.,:;)\]?!]+$/.test(t);
const opening = (t: string): boolean => /^[([]$/.test(t);

/** Render one line's macro words (already escape-decoded) to text. */
export function renderMdoc(tokens: readonly string[], ctx: MdocContext): string {
  let out = '';
  let glue = false;
  const push = (s: string): void => {
    if (s === '') return;
    out += out === '' || glue || closing(s) ? s : ` ${s}`;
    glue = opening(s);
  };
  const plain = (t: string | undefined): t is string => t !== undefined && !CALLABLE.has(t) && !closing(t);
  for (let i = 0; i < tokens.length; i++) {
    const t = tokens[i]!;
    if (!CALLABLE.has(t)) { push(t); continue; }
    const next = tokens[i + 1];
    const pair = ENCLOSE[t];
    if (pair) {
      let end = tokens.length;
      while (end > i + 1 && closing(tokens[end - 1]!)) end--; // trailing punctuation stays outside
      push(`${pair[0]}${renderMdoc(tokens.slice(i + 1, end), ctx)}${pair[1]}`);
      for (const p of tokens.slice(end)) push(p);
      break;
    }
    if (OPEN[t] !== undefined) { push(OPEN[t]!); glue = true; continue; }
    if (CLOSE[t] !== undefined) { out += CLOSE[t]; glue = false; continue; }
    if (WORDS[t] !== undefined) { push(WORDS[t]!); continue; }
    switch (t) {
      case 'Fl':
        if (plain(next)) { push(`-${next}`); i++; } else push('-');
        break;
      case 'Xr': {
        const sec = tokens[i + 2];
        if (plain(next)) {
          const withSec = sec !== undefined && /^\d/.test(sec);
          push(withSec ? `${next}(${sec})` : next);
          i += withSec ? 2 : 1;
        }
        break;
      }
      case 'Nm':
        if (plain(next)) { ctx.name ??= next; push(next); i++; } else push(ctx.name ?? '');
        break;
      case 'Ar':
        if (!plain(next)) push('file ...');
        break;
      case 'Ns': glue = true; break;
      case 'Ap': out += "'"; glue = true; break;
      case 'Pf':
        if (next !== undefined) { push(next); glue = true; i++; }
        break;
      case 'Ta': push('|'); break;
      default: break; // a font or semantic macro: its words follow as they are
    }
  }
  return out;
}
