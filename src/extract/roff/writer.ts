import type { DocBuilder } from '../builder.js';

/**
 * Filled roff output: words join into lines, lines into paragraphs, paragraphs into the document.
 * In no-fill mode (`.nf`, `.EX`) each input line stays a line.
 */
export class RoffWriter {
  #line = '';
  #lines: string[] = [];
  #glue = false;
  /** False inside `.nf`/`.EX` blocks. */
  fill = true;

  constructor(private readonly b: DocBuilder) {}

  /** Add words to the current line (a space before them unless `glue()` was called). */
  text(words: string): void {
    const t = this.fill ? words.replace(/\s+/g, ' ').trim() : words.replace(/\s+$/, '');
    if (t === '') return;
    this.#line = this.#line === '' || this.#glue ? this.#line + t : `${this.#line} ${t}`;
    this.#glue = false;
  }

  /** The next words continue this word (`\c`, mdoc's `Ns`). */
  glue(): void {
    this.#glue = true;
  }

  /** One input line kept as is (no-fill mode); '' keeps a blank line. */
  rawLine(line: string): void {
    this.break();
    this.#lines.push(line.replace(/\s+$/, ''));
  }

  /** End the current line (`.br`). */
  break(): void {
    if (this.#line !== '') this.#lines.push(this.#line);
    this.#line = '';
    this.#glue = false;
  }

  /** End the paragraph. */
  paragraph(): void {
    this.break();
    if (this.#lines.length > 0) this.b.block(this.#lines.join('\n'));
    this.#lines = [];
  }

  /** A section heading (its paragraph ends first). */
  heading(level: number, text: string): void {
    this.paragraph();
    this.b.heading(level, text);
  }
}
