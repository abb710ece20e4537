import { resolveInput } from './detect.js';
import { asExtractError, extractError } from './fail.js';
import { extractDocx } from './formats/docx.js';
import { extractHtml } from './formats/html.js';
import { extractMan } from './formats/man.js';
import { extractMarkdown } from './formats/markdown.js';
import { extractPdf } from './formats/pdf.js';
import { extractText } from './formats/text.js';
import { fillExtractOptions } from './options.js';
import type { DocFormat, Extracted, ExtractInput, ExtractOptions } from './types.js';

const NAMES: Readonly<Record<DocFormat, string>> = {
  text: 'the text', markdown: 'the Markdown', html: 'the HTML page', pdf: 'the PDF', docx: 'the DOCX', man: 'the man page',
};

function read(format: DocFormat, bytes: Uint8Array, o: ExtractOptions): Extracted | Promise<Extracted> {
  switch (format) {
    case 'text': return extractText(bytes);
    case 'markdown': return extractMarkdown(bytes);
    case 'html': return extractHtml(bytes, o);
    case 'pdf': return extractPdf(bytes, o);
    case 'docx': return extractDocx(bytes, o);
    case 'man': return extractMan(bytes, o);
  }
}

/** The checks every format shares: some text, not too much of it. */
function finish(result: Extracted, o: ExtractOptions): Extracted {
  if (result.text.trim() === '') throw extractError('ERR_EXTRACT_NO_TEXT', `${NAMES[result.format]} holds no text (it is empty or only whitespace)`);
  if (result.text.length > o.maxChars) {
    throw extractError('ERR_EXTRACT_TOO_LARGE', `${NAMES[result.format]} has ${result.text.length} characters of text, over ${o.maxChars} (options.maxChars); split the document`);
  }
  return result;
}

/**
 * Extract the text of a document and where its sections lie. The format comes from `detectFormat`'s
 * rules; gzip is unwrapped first. Fails only with a `DocflowError` whose code is an `ERR_EXTRACT_*`
 * (`UNSUPPORTED`, `CORRUPT`, `ENCRYPTED`, `NO_TEXT`, `BINARY`, `BOMB`, `TOO_LARGE`): a library's own
 * exception becomes `ERR_EXTRACT_CORRUPT` with its message.
 * @throws TypeError when `input.bytes` is not a Uint8Array or an option is out of range (caller bugs).
 */
export async function extract(input: ExtractInput, opts?: Partial<ExtractOptions>): Promise<Extracted> {
  if (!(input?.bytes instanceof Uint8Array)) throw new TypeError('input.bytes must be a Uint8Array');
  const o = fillExtractOptions(opts);
  let format: DocFormat | undefined;
  try {
    const resolved = resolveInput(input, o);
    format = resolved.format;
    return finish(await read(format, resolved.bytes, o), o);
  } catch (err) {
    throw asExtractError(err, format ? NAMES[format] : 'the document');
  }
}
