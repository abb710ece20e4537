/**
 * The extract stage's CPU work: from a document's bytes (text, Markdown, HTML, PDF, DOCX, man pages)
 * to plain text with sections, refusing hostile input (zip and gzip bombs, binary garbage) with
 * typed `ERR_EXTRACT_*` errors. Run it on worker threads through `./worker.js`.
 */
export type { DocFormat, Extracted, ExtractInput, ExtractOptions, Section } from './types.js';
export { DEFAULT_EXTRACT_OPTIONS, fillExtractOptions } from './options.js';
export { detectFormat } from './detect.js';
export { extract } from './extract.js';
