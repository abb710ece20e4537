import { DocflowError } from '../errors/index.js';
import type { SplitSection } from './types.js';

/** A stretch of text no chunk may cross: a section, or text between sections. */
export interface Region {
  start: number;
  end: number;
  /** The section, or undefined for text outside every section. */
  section: SplitSection | undefined;
}

/**
 * The sections with the text around them as regions of their own, in order and covering
 * [0, text.length). No sections: the whole text is one region.
 *
 * @throws DocflowError ERR_SPLIT_INVALID when a section is out of the text, out of order or overlapping
 *   (offsets are the truth, so a wrong one cannot be guessed around).
 */
export function regionsOf(text: string, sections: readonly SplitSection[]): Region[] {
  const regions: Region[] = [];
  let at = 0;
  for (let i = 0; i < sections.length; i++) {
    const s = sections[i]!;
    checkSection(s, i, at, text.length);
    if (s.start > at) regions.push({ start: at, end: s.start, section: undefined });
    if (s.end > s.start) regions.push({ start: s.start, end: s.end, section: s });
    at = s.end;
  }
  if (at < text.length) regions.push({ start: at, end: text.length, section: undefined });
  return regions;
}

function checkSection(s: SplitSection, i: number, prevEnd: number, length: number): void {
  let problem: string | undefined;
  if (typeof s !== 'object' || s === null) problem = 'is not an object';
  else if (!Number.isSafeInteger(s.start) || !Number.isSafeInteger(s.end)) problem = 'has non-integer offsets';
  else if (s.start > s.end) problem = `starts after it ends [${s.start}, ${s.end})`;
  else if (s.end > length || s.start < 0) problem = `[${s.start}, ${s.end}) is outside the text [0, ${length})`;
  else if (s.start < prevEnd) problem = `[${s.start}, ${s.end}) starts before the previous section ends (${prevEnd})`;
  else if (!Array.isArray(s.headingPath)) problem = 'has no headingPath array';
  if (problem === undefined) return;
  throw new DocflowError('ERR_SPLIT_INVALID', `section ${i} ${problem}: sections must be in order, non-overlapping and inside the text`, {
    details: { section: i },
  });
}
