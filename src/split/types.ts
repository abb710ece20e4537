/** Structure from the extractor: [start, end) char offsets into the text, in order, non-overlapping. */
export interface SplitSection {
  start: number;
  end: number;
  /** Headings from the document's top down to this section; every chunk of the section carries it. */
  headingPath: string[];
  /** 1-based page the section is on, where the format has pages. */
  page?: number;
}

/** One piece of the text, sized for an embedding model. */
export interface Chunk {
  /** 0..n-1 in text order. */
  index: number;
  /** Exactly `originalText.slice(start, end)`: never empty, never starting or ending with whitespace. */
  text: string;
  /** UTF-16 offset into the original text (the truth; `text` follows from it). */
  start: number;
  end: number;
  /** The headingPath of the section containing `start` (`[]` outside every section). */
  headingPath: string[];
  /** The page of that section, when it has one. */
  page?: number;
  /** Size of `text` in the unit of the options (tokens counted on `text` itself). */
  size: number;
}
