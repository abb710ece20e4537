/** Turn one PDF page's text items (pdfjs `getTextContent`) into lines and paragraphs. */

/** The fields of a pdfjs text item this needs. */
export interface PdfTextItem {
  str: string;
  hasEOL: boolean;
  /** [a, b, c, d, x, y]; `transform[5]` is the baseline's y (PDF space: up is bigger). */
  transform: number[];
  height: number;
}

/** A vertical gap above this many line heights starts a new paragraph. */
const PARAGRAPH_GAP = 1.6;

/**
 * Items joined into lines (pdfjs marks line ends with `hasEOL`); a gap between lines noticeably
 * taller than the text, or a jump back up the page (a new column), becomes a blank line.
 */
export function pageText(items: readonly unknown[]): string {
  let out = '';
  let line = '';
  let lineY: number | undefined;
  let lineH = 0;
  let prevY: number | undefined;
  let prevH = 0;
  const endLine = (): void => {
    const t = line.replace(/\s+$/, '');
    if (t.trim() !== '') {
      if (prevY !== undefined && lineY !== undefined) {
        const gap = prevY - lineY;
        const h = Math.max(prevH, lineH, 1);
        out += gap > h * PARAGRAPH_GAP || gap < -h ? '\n\n' : '\n';
      }
      out += t;
      prevY = lineY;
      prevH = lineH;
    }
    line = '';
    lineY = undefined;
    lineH = 0;
  };
  for (const raw of items) {
    const it = raw as Partial<PdfTextItem>;
    if (typeof it.str !== 'string') continue; // marked-content markers carry no text
    if (it.str !== '' && lineY === undefined && Array.isArray(it.transform)) lineY = Number(it.transform[5]) || 0;
    if (it.str.trim() !== '') lineH = Math.max(lineH, Number(it.height) || 0);
    line += it.str;
    if (it.hasEOL) endLine();
  }
  endLine();
  return out;
}
