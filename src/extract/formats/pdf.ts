import { getDocumentProxy } from 'unpdf';
import { DocBuilder } from '../builder.js';
import { asExtractError, extractError } from '../fail.js';
import { pdfHeaderAt } from '../magic.js';
import { outlinePaths, type OutlineSource } from './pdf-outline.js';
import { checkRepairCost } from './pdf-repair.js';
import { pageText } from './pdf-text.js';
import type { Extracted, ExtractOptions } from '../types.js';

type PdfDocument = Awaited<ReturnType<typeof getDocumentProxy>>;

/**
 * Readers require `%%EOF` within the last KiB; without it the file was cut short. A damaged file that
 * would take pdfjs minutes to repair is refused too (see pdf-repair.ts).
 */
function checkComplete(bytes: Uint8Array): void {
  const headerAt = pdfHeaderAt(bytes);
  if (headerAt < 0) throw extractError('ERR_EXTRACT_CORRUPT', 'the PDF has no %PDF- header: it is not a PDF or it is damaged');
  const tail = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).subarray(Math.max(0, bytes.length - 1024));
  if (!tail.includes('%%EOF')) throw extractError('ERR_EXTRACT_CORRUPT', 'the PDF is truncated: no %%EOF marker in its last 1024 bytes');
  checkRepairCost(bytes, headerAt);
}

async function open(bytes: Uint8Array): Promise<PdfDocument> {
  try {
    // pdfjs takes ownership of (and may detach) the buffer it is given: hand it a copy.
    return await getDocumentProxy(new Uint8Array(bytes), { verbosity: 0, isEvalSupported: false, stopAtErrors: false });
  } catch (err) {
    if ((err as Error | undefined)?.name === 'PasswordException') {
      throw extractError('ERR_EXTRACT_ENCRYPTED', 'the PDF is password-protected; remove the password and ingest it again', { cause: err });
    }
    throw asExtractError(err, 'the PDF');
  }
}

async function title(doc: PdfDocument): Promise<string | undefined> {
  try {
    const { info } = await doc.getMetadata();
    const t = (info as Record<string, unknown> | undefined)?.Title;
    return typeof t === 'string' && t.trim() !== '' ? t.trim() : undefined;
  } catch {
    return undefined; // a damaged info dictionary costs the title, not the text
  }
}

/**
 * PDF through pdfjs (unpdf's serverless build, warnings silenced): page by page, one section per
 * page that has text (`page` is 1-based, `headingPath` from the outline), pages joined by a blank
 * line. Password-protected files are
 * `ERR_EXTRACT_ENCRYPTED`, damaged or truncated ones `ERR_EXTRACT_CORRUPT`, and a PDF whose pages
 * hold no text at all (scans) `ERR_EXTRACT_NO_TEXT`.
 */
export async function extractPdf(bytes: Uint8Array, o: ExtractOptions): Promise<Extracted> {
  checkComplete(bytes);
  const doc = await open(bytes);
  try {
    const b = new DocBuilder(o.maxChars);
    const paths = await outlinePaths(doc as unknown as OutlineSource, doc.numPages);
    for (let n = 1; n <= doc.numPages; n++) {
      const page = await doc.getPage(n);
      const content = await page.getTextContent();
      page.cleanup();
      b.section(paths[n] ?? [], n);
      b.block(pageText(content.items));
    }
    const { text, sections } = b.build();
    if (text.trim() === '') {
      throw extractError('ERR_EXTRACT_NO_TEXT', `the PDF has no text on any of its ${doc.numPages} pages (scanned images need OCR first)`);
    }
    const out: Extracted = { text, format: 'pdf', sections, pages: doc.numPages };
    const t = await title(doc);
    if (t) out.title = t;
    return out;
  } catch (err) {
    throw asExtractError(err, 'the PDF');
  } finally {
    await doc.destroy().catch(() => undefined);
  }
}
