import mammoth from 'mammoth';
import { DocBuilder } from '../builder.js';
import { asExtractError, extractError } from '../fail.js';
import { parseDocument } from '../dom.js';
import { walkBlocks } from '../html-blocks.js';
import { isEncryptedOoxml, isOle } from '../magic.js';
import { isZip } from '../zip.js';
import { checkZip } from '../zip-limits.js';
import type { Extracted, ExtractOptions } from '../types.js';

const CORE = 'docProps/core.xml';

/** `dc:title` of the document properties, XML entities decoded. */
function coreTitle(xml: Uint8Array | undefined): string | undefined {
  if (!xml) return undefined;
  const m = /<dc:title>([^<]*)<\/dc:title>/.exec(new TextDecoder().decode(xml));
  const t = m?.[1]
    ?.replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&quot;/g, '"').replace(/&apos;/g, "'").replace(/&amp;/g, '&')
    .trim();
  return t || undefined;
}

function checkContainer(bytes: Uint8Array): void {
  if (isEncryptedOoxml(bytes)) {
    throw extractError('ERR_EXTRACT_ENCRYPTED', 'the DOCX is password-protected (an encrypted OLE package); remove the password and ingest it again');
  }
  if (isOle(bytes)) throw extractError('ERR_EXTRACT_UNSUPPORTED', 'the document is a legacy Word .doc (OLE), not a DOCX; save it as .docx');
  if (!isZip(bytes)) throw extractError('ERR_EXTRACT_CORRUPT', 'the DOCX is not a ZIP archive: it is damaged or not a DOCX');
}

/**
 * DOCX: the archive is judged first (`checkZip`: bomb limits and real sizes), then mammoth turns it
 * into HTML whose headings (Word's Heading 1–6 styles) start sections. Images are not decoded.
 */
export async function extractDocx(bytes: Uint8Array, o: ExtractOptions): Promise<Extracted> {
  checkContainer(bytes);
  const { entries, kept } = checkZip(bytes, o, [CORE]);
  if (!entries.some((e) => e.name === 'word/document.xml')) {
    throw extractError('ERR_EXTRACT_CORRUPT', 'the DOCX has no word/document.xml: it is damaged or another kind of ZIP archive');
  }
  let html: string;
  try {
    const result = await mammoth.convertToHtml(
      { buffer: Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength) },
      { convertImage: mammoth.images.imgElement(() => Promise.resolve({ src: '' })), externalFileAccess: false },
    );
    html = result.value;
  } catch (err) {
    throw asExtractError(err, 'the DOCX');
  }
  const doc = parseDocument(`<!doctype html><html><body>${html}</body></html>`);
  const b = new DocBuilder(o.maxChars);
  walkBlocks(doc.body ?? doc, b);
  const { text, sections } = b.build();
  const out: Extracted = { text, format: 'docx', sections };
  const title = coreTitle(kept.get(CORE)) ?? sections.find((s) => s.headingPath.length === 1)?.headingPath[0];
  if (title) out.title = title;
  return out;
}
