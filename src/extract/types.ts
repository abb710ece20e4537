/** The shapes the extract stage hands to the splitter: plain text plus where its sections lie. */

/** A document format docflow reads. */
export type DocFormat = 'text' | 'markdown' | 'html' | 'pdf' | 'docx' | 'man';

/**
 * A stretch of `Extracted.text` under one heading (or one PDF page): `[start, end)` character offsets.
 * Sections are in order, do not overlap, and together cover the text, so a splitter can cut inside
 * them and still know each chunk's heading path and page.
 */
export interface Section {
  start: number;
  end: number;
  /** The headings above this stretch, outermost first; `[]` before the first heading. */
  headingPath: string[];
  /** 1-based page number (PDF only). */
  page?: number;
}

/** What extraction produced: text with `\n` line endings, paragraphs separated by blank lines. */
export interface Extracted {
  text: string;
  format: DocFormat;
  title?: string;
  sections: Section[];
  /** Page count (PDF only), pages without text included. */
  pages?: number;
}

/** Limits that keep a hostile or huge document from exhausting a worker thread. */
export interface ExtractOptions {
  /** Longest extracted text, characters; past it `ERR_EXTRACT_TOO_LARGE`. @defaultValue 10_000_000 */
  maxChars: number;
  /** Most bytes a DOCX may unzip to (all entries together); past it `ERR_EXTRACT_BOMB`. @defaultValue 100 MiB */
  maxUnzippedBytes: number;
  /**
   * Highest unzipped/zipped size ratio of a DOCX (whole archive, and each entry), checked once the
   * unzipped size passes 1 MiB; past it `ERR_EXTRACT_BOMB`. @defaultValue 100
   */
  maxZipRatio: number;
  /** Most bytes a gzip-compressed document may decompress to; past it `ERR_EXTRACT_BOMB`. @defaultValue 32 MiB */
  maxDecompressedBytes: number;
}

/** A document to extract: its bytes and, when known, its file name and declared MIME type. */
export interface ExtractInput {
  bytes: Uint8Array;
  name?: string;
  mime?: string;
}
