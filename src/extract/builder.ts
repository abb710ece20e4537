import { extractError } from './fail.js';
import type { Section } from './types.js';

/** Where a section begins, before its end is known. */
export interface SectionStart {
  start: number;
  headingPath: string[];
  page?: number;
}

/**
 * Close a list of section starts into `Section`s covering `[0, length)`: each ends where the next
 * begins, a stretch before the first start gets an empty heading path, and empty sections are dropped.
 */
export function closeSections(starts: readonly SectionStart[], length: number): Section[] {
  const all: SectionStart[] = starts.length > 0 && starts[0]!.start === 0 ? [...starts] : [{ start: 0, headingPath: [] }, ...starts];
  const out: Section[] = [];
  for (let i = 0; i < all.length; i++) {
    const s = all[i]!;
    const end = i + 1 < all.length ? all[i + 1]!.start : length;
    if (end <= s.start) continue;
    const section: Section = { start: s.start, end, headingPath: s.headingPath };
    if (s.page !== undefined) section.page = s.page;
    out.push(section);
  }
  return out;
}

/** Longest heading kept in a heading path (every section under it repeats the path). */
export const MAX_HEADING_CHARS = 300;

/** A heading as it goes into a heading path: whitespace collapsed, cut to `MAX_HEADING_CHARS`. */
export function headingText(raw: string): string {
  const clean = raw.replace(/\s+/g, ' ').trim();
  return clean.length > MAX_HEADING_CHARS ? `${clean.slice(0, MAX_HEADING_CHARS - 1)}…` : clean;
}

/** Trim a block: no leading blank lines, no trailing whitespace, no run of more than one blank line. */
export function tidyBlock(text: string): string {
  return text
    .replace(/[ \t]+$/gm, '')
    .replace(/^\n+/, '')
    .replace(/\n{3,}/g, '\n\n')
    .trimEnd();
}

/**
 * Assembles extracted text block by block (paragraphs joined by a blank line) and records where
 * sections start, keeping a heading stack so each section knows its heading path. Throws
 * `ERR_EXTRACT_TOO_LARGE` as soon as the text passes `maxChars`, before a huge document is all built.
 */
export class DocBuilder {
  readonly #parts: string[] = [];
  readonly #starts: SectionStart[] = [];
  readonly #stack: Array<{ level: number; text: string }> = [];
  #length = 0;
  #pending: { headingPath: string[]; page?: number } | undefined;

  constructor(private readonly maxChars: number) {}

  /** Characters so far. */
  get length(): number {
    return this.#length;
  }

  /** Start a new section at the next block (a PDF page, or a heading path set by the caller). */
  section(headingPath: string[], page?: number): void {
    this.#pending = page === undefined ? { headingPath } : { headingPath, page };
  }

  /** A heading of `level` (1 = outermost): it starts a section and is kept as its own line. */
  heading(level: number, text: string): void {
    const full = text.replace(/\s+/g, ' ').trim();
    if (full === '') return;
    while (this.#stack.length > 0 && this.#stack[this.#stack.length - 1]!.level >= level) this.#stack.pop();
    this.#stack.push({ level, text: headingText(full) });
    this.section(this.#stack.map((h) => h.text));
    this.block(full);
  }

  /** A paragraph (or a page, or a preformatted block); blank text is ignored. */
  block(text: string): void {
    const clean = tidyBlock(text);
    if (clean.trim() === '') return;
    const sep = this.#length > 0 ? '\n\n' : '';
    const start = this.#length + sep.length;
    if (this.#pending) {
      this.#starts.push({ start, ...this.#pending });
      this.#pending = undefined;
    }
    this.#parts.push(sep, clean);
    this.#length = start + clean.length;
    if (this.#length > this.maxChars) {
      throw extractError('ERR_EXTRACT_TOO_LARGE', `the extracted text passed ${this.maxChars} characters (options.maxChars); split the document`);
    }
  }

  /** The text and its sections. */
  build(): { text: string; sections: Section[] } {
    const text = this.#parts.join('');
    return { text, sections: closeSections(this.#starts, text.length) };
  }
}
