import { decodeText, looksLikeText, SNIFF_BYTES } from './decode.js';
import { extractError } from './fail.js';
import { gunzipCapped, isGzip } from './gzip.js';
import { hexHead, isEncryptedOoxml, knownBinary, pdfHeaderAt } from './magic.js';
import { DEFAULT_EXTRACT_OPTIONS } from './options.js';
import { isZip, readZipDirectory } from './zip.js';
import { MAX_ZIP_ENTRIES } from './zip-limits.js';
import type { DocFormat, ExtractInput, ExtractOptions } from './types.js';

const MIME_FORMATS: Readonly<Record<string, DocFormat>> = {
  'text/plain': 'text',
  'text/markdown': 'markdown',
  'text/x-markdown': 'markdown',
  'text/html': 'html',
  'application/xhtml+xml': 'html',
  'application/pdf': 'pdf',
  'application/x-pdf': 'pdf',
  'application/vnd.openxmlformats-officedocument.wordprocessingml.document': 'docx',
  'text/troff': 'man',
  'text/x-troff': 'man',
  'text/x-troff-man': 'man',
  'application/x-troff-man': 'man',
};

const EXT_FORMATS: Readonly<Record<string, DocFormat>> = {
  txt: 'text', text: 'text', rst: 'text', log: 'text', csv: 'text',
  md: 'markdown', markdown: 'markdown', mdown: 'markdown', mkd: 'markdown', mkdn: 'markdown',
  html: 'html', htm: 'html', xhtml: 'html', shtml: 'html',
  pdf: 'pdf',
  docx: 'docx',
};

/** A man page's file name: `ls.1`, `openssl.1ssl`, `Foo.3pm`, `x.man`. */
const MAN_NAME = /\.(?:[1-9][a-z0-9]{0,8}|man)$/i;
const ROFF = /^(?:\.\\"|'\\"|\.(?:TH|Dd|Dt|SH|Sh)\b)/m;
const HTML = /^\s*(?:<\?xml[^>]*>\s*)?(?:<!--[\s\S]*?-->\s*)*<(?:!doctype\s+html|html|head|body)\b/i;

/** The format a declared MIME type names, when it is one docflow reads (any other `text/*` is text). */
function fromMime(mime: string | undefined): DocFormat | undefined {
  if (!mime) return undefined;
  const base = mime.split(';')[0]!.trim().toLowerCase();
  return MIME_FORMATS[base] ?? (base.startsWith('text/') ? 'text' : undefined);
}

function baseName(name: string): string {
  return name.slice(Math.max(name.lastIndexOf('/'), name.lastIndexOf('\\')) + 1).toLowerCase();
}

function fromName(name: string | undefined, bytes: Uint8Array): DocFormat | undefined {
  if (!name) return undefined;
  const base = baseName(name);
  const dot = base.lastIndexOf('.');
  if (dot <= 0) return undefined;
  const known = EXT_FORMATS[base.slice(dot + 1)];
  if (known) return known;
  if (MAN_NAME.test(base)) return looksLikeRoff(bytes) ? 'man' : 'text';
  return undefined;
}

function sample(bytes: Uint8Array): string {
  return decodeText(bytes.subarray(0, SNIFF_BYTES), 'text', bytes.length > SNIFF_BYTES);
}

function looksLikeRoff(bytes: Uint8Array): boolean {
  return looksLikeText(bytes) && ROFF.test(sample(bytes));
}

/** Markdown needs two of its marks, so a shell script's `# comment` alone does not make it Markdown. */
function looksLikeMarkdown(text: string): boolean {
  const marks = [
    /^ {0,3}#{1,6}[ \t]+\S/m,
    /^ {0,3}(?:```|~~~)/m,
    /\[[^\]\n]+\]\([^)\s]+\)/,
    /^(?=[^\n]*\S)[^\n]*\n {0,3}(?:=+|-+)[ \t]*$/m, // lookahead: linear on a long line, where [^\n]*\S[^\n]* backtracks quadratically
    /^ {0,3}[-*+][ \t]+\S/m,
  ];
  return marks.filter((m) => m.test(text)).length >= 2;
}

function isDocxZip(bytes: Uint8Array): boolean {
  try {
    return readZipDirectory(bytes, MAX_ZIP_ENTRIES).some((e) => e.name === 'word/document.xml');
  } catch {
    // A damaged directory: judge by the entry name in the local headers; the extractor says what is wrong.
    return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).includes('word/document.xml');
  }
}

function sniff(bytes: Uint8Array, gzipped: boolean): DocFormat {
  if (pdfHeaderAt(bytes) >= 0) return 'pdf';
  if (isZip(bytes)) {
    if (isDocxZip(bytes)) return 'docx';
    throw extractError('ERR_EXTRACT_UNSUPPORTED', 'the document is a ZIP archive but not a DOCX (it has no word/document.xml)');
  }
  if (isEncryptedOoxml(bytes)) return 'docx';
  const binary = knownBinary(bytes);
  if (binary) throw extractError('ERR_EXTRACT_UNSUPPORTED', `the document is ${binary}${gzipped ? ' (inside gzip)' : ''}, which docflow does not read`);
  if (!looksLikeText(bytes)) {
    throw extractError('ERR_EXTRACT_UNSUPPORTED', `the document is binary data of an unknown type (first bytes: ${hexHead(bytes)}); set \`mime\` if it is a supported type`);
  }
  const text = sample(bytes);
  if (HTML.test(text)) return 'html';
  if (ROFF.test(text)) return 'man';
  if (looksLikeMarkdown(text)) return 'markdown';
  return 'text';
}

/** A document after unwrapping gzip, with its format decided. */
export interface Resolved {
  format: DocFormat;
  bytes: Uint8Array;
}

/**
 * Decide the format: a declared MIME type docflow reads wins, then the file name's extension, then
 * the bytes (magic numbers, then text sniffing). Gzip (`.gz`, magic 1f 8b) is unwrapped first, capped
 * at `maxDecompressedBytes`, and the inner name and bytes are judged.
 */
export function resolveInput(input: ExtractInput, o: Pick<ExtractOptions, 'maxDecompressedBytes'>): Resolved {
  let bytes = input.bytes;
  let name = input.name;
  const gzipped = isGzip(bytes);
  if (gzipped) {
    bytes = gunzipCapped(bytes, o.maxDecompressedBytes);
    name = name?.replace(/\.(?:gz|z)$/i, '');
  }
  const format = fromMime(input.mime) ?? fromName(name, bytes) ?? sniff(bytes, gzipped);
  return { format, bytes };
}

/**
 * The format `extract` would read `input` as (see `resolveInput` for the order of evidence).
 * A gzip-compressed input is decompressed to look inside (capped by the default
 * `maxDecompressedBytes`). Throws `ERR_EXTRACT_UNSUPPORTED` naming what it saw.
 */
export function detectFormat(input: ExtractInput): DocFormat {
  return resolveInput(input, DEFAULT_EXTRACT_OPTIONS).format;
}
