/** groff special characters (`\(xx`, `\[name]`) that man pages use, as Unicode. */
const NAMED: Readonly<Record<string, string>> = {
  em: '—', en: '–', hy: '-', mi: '-', '\\-': '-', bu: '•', lq: '“', rq: '”', oq: '‘', cq: '’', aq: "'", dq: '"',
  Bq: '„', bq: '‚', Fo: '«', Fc: '»', fo: '‹', fc: '›', co: '©', rg: '®', tm: '™', de: '°', mu: '×', di: '÷',
  '+-': '±', ba: '|', br: '│', bv: '│', ul: '_', ru: '_', rs: '\\', sl: '/', ti: '~', ha: '^', ga: '`', aa: '´',
  at: '@', sh: '#', Do: '$', lB: '[', rB: ']', lC: '{', rC: '}', la: '⟨', ra: '⟩', or: '|', ct: '¢', Po: '£',
  Ye: '¥', Eu: '€', eu: '€', sc: '§', ps: '¶', dg: '†', dd: '‡', fm: '′', sd: '″', pc: '·', ss: 'ß', ae: 'æ',
  AE: 'Æ', oe: 'œ', OE: 'Œ', '/o': 'ø', '/O': 'Ø', '->': '→', '<-': '←', '<>': '↔', da: '↓', ua: '↑',
  rA: '⇒', lA: '⇐', hA: '⇔', '<=': '≤', '>=': '≥', '!=': '≠', '==': '≡', '~=': '≅', '~~': '≈', ap: '~', if: '∞',
  sq: '□', ci: '○', '**': '*', pl: '+', eq: '=', no: '¬', tf: '∴', '12': '½', '14': '¼', '34': '¾', S1: '¹',
  S2: '²', S3: '³', 'r!': '¡', 'r?': '¿', ff: 'ff', fi: 'fi', fl: 'fl', Fi: 'ffi', Fl: 'ffl', '.i': 'ı', OK: '✓',
  es: '∅', mo: '∈', sb: '⊂', sp: '⊃', ca: '∩', cu: '∪', gr: '∇', pd: '∂', is: '∫', sr: '√', AN: '∧', OR: '∨',
  fa: '∀', te: '∃',
};

/** Accent marks of two-character names like `'e` or `:u`, as combining characters. */
const ACCENTS: Readonly<Record<string, string>> = {
  "'": '\u0301', '`': '\u0300', '^': '\u0302', ':': '\u0308', '~': '\u0303', ',': '\u0327', o: '\u030a', v: '\u030c',
};

/** Unicode for a special character name (`em`, `'e`, `u00E9`, `char65`), or '' when unknown. */
export function specialChar(name: string): string {
  const named = NAMED[name];
  if (named !== undefined) return named;
  const uni = /^u([0-9A-Fa-f]{4,6}(?:_[0-9A-Fa-f]{4,6})*)$/.exec(name);
  if (uni) {
    const cps = uni[1]!.split('_').map((h) => parseInt(h, 16)).filter((cp) => cp > 0 && cp <= 0x10ffff && (cp < 0xd800 || cp > 0xdfff));
    return String.fromCodePoint(...cps).normalize('NFC');
  }
  const ch = /^char(\d{1,7})$/.exec(name);
  if (ch) {
    const cp = Number(ch[1]);
    return cp > 0 && cp <= 0x10ffff && (cp < 0xd800 || cp > 0xdfff) ? String.fromCodePoint(cp) : '';
  }
  if (name.length === 2) {
    const accent = ACCENTS[name[0]!];
    if (accent && /[A-Za-z]/.test(name[1]!)) return (name[1]! + accent).normalize('NFC');
  }
  return '';
}
