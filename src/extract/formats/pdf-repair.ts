import { extractError } from '../fail.js';

/**
 * How many bytes pdfjs may rescan while it rebuilds a damaged cross-reference table. Its lexer builds
 * strings at 2-4 MB/s here, so this is a few seconds of one thread.
 */
export const MAX_REPAIR_SCAN_BYTES = 16 * 1024 * 1024;
/**
 * Repeated headers a damaged file may have whatever its size: incremental updates write an object
 * again, and each such object normally ends where it should.
 */
export const MAX_FREE_REPEATS = 32;

const latin1 = (bytes: Uint8Array, from = 0, to = bytes.byteLength): string =>
  Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('latin1', from, to);

/**
 * Whether the last `startxref` points at a cross-reference table (`xref`) or stream (`N G obj`),
 * counted from the `%PDF-` header (as pdfjs counts) or from the start of the file.
 */
export function xrefIntact(bytes: Uint8Array, headerAt: number): boolean {
  const tailFrom = Math.max(0, bytes.byteLength - 1024);
  const tail = latin1(bytes, tailFrom);
  const m = /startxref\s+(\d{1,12})\s/.exec(tail.slice(tail.lastIndexOf('startxref')));
  if (!m) return false;
  const offset = Number(m[1]);
  return [headerAt, 0].some((base) => {
    const at = base + offset;
    return at < bytes.byteLength && /^\s*(xref|\d+\s+\d+\s+obj\b)/.test(latin1(bytes, at, Math.min(bytes.byteLength, at + 64)));
  });
}

/**
 * What rebuilding the table costs pdfjs, in bytes scanned, and the number of repeated object headers.
 * pdfjs (XRef.indexObjects) walks the file, and each header `N G obj` that it has seen before is
 * parsed again from there on: an object that never ends (an unclosed string or dictionary) is parsed
 * to the end of the file. So each repeated header counts the bytes from it to the end. Stops counting
 * once both the bytes and the repeats are past `stopPast`.
 */
export function repairScanBytes(bytes: Uint8Array, stopPast = { bytes: Infinity, repeats: Infinity }): { bytes: number; repeats: number } {
  const text = latin1(bytes);
  const seen = new Set<string>();
  const headers = /(\d{1,10})\s+(\d{1,5})\s+obj\b/g;
  let scanned = 0;
  let repeats = 0;
  for (let m = headers.exec(text); m !== null && !(scanned > stopPast.bytes && repeats > stopPast.repeats); m = headers.exec(text)) {
    const key = `${m[1]} ${m[2]}`;
    if (seen.has(key)) {
      repeats++;
      scanned += text.length - m.index;
    } else {
      seen.add(key);
    }
  }
  return { bytes: scanned, repeats };
}

/**
 * Refuses, before pdfjs sees it, a PDF whose damaged cross-reference table would take pdfjs minutes to
 * rebuild: its rebuild is quadratic in a file that repeats object headers (a 185 KB fuzzed file with
 * 1,719 repeats took 76 s of one thread). A damaged file with a few repeats (incremental updates) is
 * rebuilt as before; so is a file whose table is intact, which pdfjs does not rescan.
 */
export function checkRepairCost(bytes: Uint8Array, headerAt: number): void {
  if (xrefIntact(bytes, headerAt)) return;
  const cost = repairScanBytes(bytes, { bytes: MAX_REPAIR_SCAN_BYTES, repeats: MAX_FREE_REPEATS });
  if (cost.bytes <= MAX_REPAIR_SCAN_BYTES || cost.repeats <= MAX_FREE_REPEATS) return;
  throw extractError(
    'ERR_EXTRACT_CORRUPT',
    `the PDF's cross-reference table is damaged and the file repeats object headers (${cost.repeats}+ times): rebuilding the table would rescan the file once per repeat, over ${MAX_REPAIR_SCAN_BYTES / 1024 / 1024} MB in all. Repair the file first (e.g. \`qpdf damaged.pdf repaired.pdf\` or \`mutool clean\`) and ingest it again`,
  );
}
