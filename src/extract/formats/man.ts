import { DocBuilder } from '../builder.js';
import { decodeText } from '../decode.js';
import { decodeEscapes } from '../roff/escapes.js';
import type { Request } from '../roff/lines.js';
import { isMdocMacro, renderMdoc, type MdocContext } from '../roff/mdoc.js';
import { RoffReader, type MacroHandler } from '../roff/reader.js';
import { RoffTable } from '../roff/table.js';
import { RoffWriter } from '../roff/writer.js';
import type { Extracted, ExtractOptions } from '../types.js';

/** Font macros whose arguments are words (`.B text`). */
const FONT = new Set(['B', 'I', 'SM', 'SB', 'R', 'CW']);
/** Alternating-font macros whose arguments run together (`.BR ls (1)` is "ls(1)"). */
const ALTERNATING = new Set(['BR', 'BI', 'IB', 'IR', 'RB', 'RI']);
const PARAGRAPH = new Set(['PP', 'LP', 'P', 'sp', 'HP', 'Sp']);
/** Every other request this package implements; a page's own macro of one of these names is ignored. */
const HANDLED = new Set([
  ...FONT, ...ALTERNATING, ...PARAGRAPH, 'TH', 'SH', 'SS', 'br', 'TP', 'TQ', 'IP', 'nf', 'fi', 'EX', 'EE', 'Vb', 'Ve',
  'UR', 'UE', 'MT', 'ME', 'SY', 'OP', 'YS', 'TS', 'TE', 'T&', 'RS', 'RE',
]);

/** The man (and mdoc) macro packages, written to a `RoffWriter`. */
class ManPage implements MacroHandler {
  title: string | undefined;
  readonly reader = new RoffReader(this);
  readonly #w: RoffWriter;
  readonly #mdoc: MdocContext = {};
  #pendingHeading: number | undefined;
  #pendingTag = false;
  #table: RoffTable | undefined;
  #url: string | undefined;
  /** Set by an mdoc preamble (`.Dd`, `.Dt`): mdoc names then win over the page's own macros. */
  #mdocPage = false;

  constructor(b: DocBuilder) {
    this.#w = new RoffWriter(b);
  }

  finish(): void {
    this.#w.paragraph();
  }

  #decode = (s: string): string => decodeEscapes(s, this.reader.strings);

  /** Words for the page: a pending heading or tag takes them first. */
  #emit(words: string, glueAfter = false): void {
    if (this.#table) { this.#table.blockText(words); return; }
    if (this.#pendingHeading !== undefined) {
      if (words.trim() === '') return;
      this.#w.heading(this.#pendingHeading, words);
      this.#pendingHeading = undefined;
      return;
    }
    if (this.#pendingTag) {
      this.#w.paragraph();
      this.#w.text(words);
      this.#w.break();
      this.#pendingTag = false;
      return;
    }
    this.#w.text(words);
    if (glueAfter) this.#w.glue();
  }

  handles(name: string): boolean {
    return HANDLED.has(name) || (this.#mdocPage && isMdocMacro(name));
  }

  text(line: string): void {
    if (this.#table) { this.#table.line(line); return; }
    const glue = /\\c\s*$/.test(line);
    const decoded = this.#decode(line);
    if (!this.#w.fill && this.#pendingHeading === undefined && !this.#pendingTag) { this.#w.rawLine(decoded); return; }
    if (line.trim() === '') { this.#w.paragraph(); return; }
    if (/^[ \t]/.test(line)) this.#w.break();
    this.#emit(decoded, glue);
  }

  request(req: Request): void {
    const { name, args } = req;
    if (this.#table) {
      if (name === 'TE') { this.#endTable(); return; }
      if (name === 'T&') { this.#table.restartFormat(); return; }
      if (FONT.has(name) || ALTERNATING.has(name)) this.#table.blockText(this.#fontWords(name, args));
      return;
    }
    if (isMdocMacro(name)) { this.#mdocRequest(name, args); return; }
    const words = (): string => args.map(this.#decode).join(' ');
    switch (name) {
      case 'TH': this.title = args[1] ? `${this.#decode(args[0] ?? '')}(${this.#decode(args[1])})` : this.#decode(args[0] ?? '') || undefined; break;
      case 'SH': case 'SS': this.#heading(name === 'SH' ? 1 : 2, words()); break;
      case 'br': case 'RS': this.#w.break(); break;
      case 'RE': this.#w.paragraph(); break;
      case 'TP': this.#w.paragraph(); this.#pendingTag = true; break;
      case 'TQ': this.#w.break(); this.#pendingTag = true; break;
      case 'IP': this.#w.paragraph(); if (args[0]) { this.#w.text(this.#decode(args[0])); this.#w.break(); } break;
      case 'nf': case 'EX': case 'Vb': this.#w.paragraph(); this.#w.fill = false; break;
      case 'fi': case 'EE': case 'Ve': this.#w.paragraph(); this.#w.fill = true; break;
      case 'UR': case 'MT': this.#url = args[0] ? this.#decode(args[0]) : undefined; break;
      case 'UE': case 'ME': if (this.#url) this.#emit(`<${this.#url}>${args.map(this.#decode).join('')}`); this.#url = undefined; break;
      case 'SY': this.#w.paragraph(); this.#emit(words()); break;
      case 'OP': this.#emit(`[${words()}]`); break;
      case 'YS': this.#w.paragraph(); break;
      case 'TS': this.#w.paragraph(); this.#table = new RoffTable(this.#decode); break;
      default:
        if (PARAGRAPH.has(name)) this.#w.paragraph();
        else if (FONT.has(name) || ALTERNATING.has(name)) { if (args.length > 0) this.#emit(this.#fontWords(name, args)); }
      // any other request (spacing, fonts, registers, index entries) prints nothing
    }
  }

  #fontWords(name: string, args: readonly string[]): string {
    return args.map(this.#decode).join(ALTERNATING.has(name) ? '' : ' ');
  }

  #heading(level: number, text: string): void {
    this.#w.fill = true;
    this.#pendingTag = false;
    if (text.trim() === '') { this.#w.paragraph(); this.#pendingHeading = level; } else this.#w.heading(level, text);
  }

  #endTable(): void {
    for (const row of this.#table?.end() ?? []) this.#w.rawLine(row);
    this.#table = undefined;
    this.#w.paragraph();
  }

  #mdocRequest(name: string, args: readonly string[]): void {
    const tokens = args.map(this.#decode);
    const render = (): string => renderMdoc(tokens, this.#mdoc);
    switch (name) {
      case 'Dd': this.#mdocPage = true; break;
      case 'Os': case 'Rs': case 'Re': case 'Bk': case 'Ek': case 'Bf': case 'Ef': case 'Sm': case 'Db': case 'Tg': break;
      case 'Dt': this.#mdocPage = true; this.title = tokens[1] ? `${tokens[0] ?? ''}(${tokens[1]})` : tokens[0] || undefined; break;
      case 'Sh': case 'Ss': this.#heading(name === 'Sh' ? 1 : 2, render()); break;
      case 'Pp': case 'Lp': case 'Bl': case 'El': this.#w.paragraph(); break;
      case 'Bd': this.#w.paragraph(); if (tokens.includes('-literal') || tokens.includes('-unfilled')) this.#w.fill = false; break;
      case 'Ed': this.#w.paragraph(); this.#w.fill = true; break;
      case 'It': this.#w.paragraph(); if (tokens.length > 0) { this.#w.text(render()); this.#w.break(); } break;
      case 'D1': case 'Dl': this.#w.paragraph(); this.#w.text(render()); this.#w.paragraph(); break;
      case 'Nd': this.#emit(`— ${render()}`); break;
      case 'Ex': this.#emit(`The ${this.#mdoc.name ?? 'utility'} utility exits 0 on success, and >0 if an error occurs.`); break;
      case 'Rv': this.#emit('The function returns the value 0 if successful; otherwise the value -1 is returned and errno is set to indicate the error.'); break;
      default: this.#emit(renderMdoc([name, ...tokens], this.#mdoc));
    }
  }
}

/**
 * A man page in roff (man or mdoc macros), plain or already un-gzipped: `.TH`/`.Dt` give the title,
 * `.SH`/`.SS` (`.Sh`/`.Ss`) headings start sections, text is filled into paragraphs, and escapes
 * become plain characters.
 */
export function extractMan(bytes: Uint8Array, o: ExtractOptions): Extracted {
  const source = decodeText(bytes, 'a man page');
  const b = new DocBuilder(o.maxChars);
  const page = new ManPage(b);
  page.reader.run(source);
  page.finish();
  const { text, sections } = b.build();
  const out: Extracted = { text, format: 'man', sections };
  if (page.title) out.title = page.title;
  return out;
}
