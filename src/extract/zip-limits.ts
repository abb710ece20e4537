import { inflateRawSync } from 'node:zlib';
import { extractError } from './fail.js';
import { entryData, readZipDirectory, type ZipEntry } from './zip.js';
import type { ExtractOptions } from './types.js';

/** More entries than any real document has: refused before the directory is even read. */
export const MAX_ZIP_ENTRIES = 10_000;
/** Ratios are only judged past this many unzipped bytes (tiny, very repetitive files are harmless). */
export const RATIO_FLOOR_BYTES = 1024 * 1024;

function bomb(message: string) {
  return extractError('ERR_EXTRACT_BOMB', `${message}; the archive is refused`);
}

function checkDeclared(bytes: Uint8Array, entries: readonly ZipEntry[], o: ExtractOptions): void {
  const total = entries.reduce((sum, e) => sum + e.uncompressedSize, 0);
  if (total > o.maxUnzippedBytes) throw bomb(`it unzips to ${total} bytes, over ${o.maxUnzippedBytes} (options.maxUnzippedBytes)`);
  if (total > RATIO_FLOOR_BYTES && total / bytes.length > o.maxZipRatio) {
    throw bomb(`it expands ${Math.round(total / bytes.length)}× its size (options.maxZipRatio is ${o.maxZipRatio})`);
  }
  for (const e of entries) {
    const ratio = e.uncompressedSize / Math.max(1, e.compressedSize);
    if (e.uncompressedSize > RATIO_FLOOR_BYTES && ratio > o.maxZipRatio) {
      throw bomb(`entry ${JSON.stringify(e.name)} expands ${Math.round(ratio)}× (options.maxZipRatio is ${o.maxZipRatio})`);
    }
  }
}

/** Unpack one entry, refusing to produce more than it declared (a forged size is a bomb). */
function unpack(bytes: Uint8Array, e: ZipEntry): Uint8Array {
  const data = entryData(bytes, e);
  let out: Uint8Array;
  if (e.method === 0) out = data;
  else if (e.method === 8) {
    try {
      out = inflateRawSync(data, { maxOutputLength: Math.max(1, e.uncompressedSize) });
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      if (code === 'ERR_BUFFER_TOO_LARGE' || err instanceof RangeError) throw bomb(`entry ${JSON.stringify(e.name)} expands past the ${e.uncompressedSize} bytes it declares`);
      throw extractError('ERR_EXTRACT_CORRUPT', `entry ${JSON.stringify(e.name)} of the archive is damaged: ${(err as Error).message}`, { cause: err });
    }
  } else {
    throw extractError('ERR_EXTRACT_CORRUPT', `entry ${JSON.stringify(e.name)} uses ZIP compression method ${e.method}; only stored and deflated entries are read`);
  }
  if (out.length !== e.uncompressedSize) {
    throw extractError('ERR_EXTRACT_CORRUPT', `entry ${JSON.stringify(e.name)} holds ${out.length} bytes but declares ${e.uncompressedSize}`);
  }
  return out;
}

/**
 * Judge a ZIP archive before a library unpacks it: refuse (`ERR_EXTRACT_BOMB`) absurd entry counts,
 * a declared total over `maxUnzippedBytes` or a ratio over `maxZipRatio`, then unpack every entry
 * with zlib capped at its declared size, so an archive that lies about its sizes is caught too
 * (the cost is one extra inflate of a document that is at most `maxUnzippedBytes`). Encrypted entries
 * are `ERR_EXTRACT_ENCRYPTED`. Returns the directory and the unpacked bytes of the entries in `keep`.
 */
export function checkZip(bytes: Uint8Array, o: ExtractOptions, keep: readonly string[] = []): { entries: ZipEntry[]; kept: Map<string, Uint8Array> } {
  const entries = readZipDirectory(bytes, MAX_ZIP_ENTRIES);
  checkDeclared(bytes, entries, o);
  const kept = new Map<string, Uint8Array>();
  for (const e of entries) {
    if (e.encrypted) throw extractError('ERR_EXTRACT_ENCRYPTED', `entry ${JSON.stringify(e.name)} of the archive is encrypted; remove the password and ingest it again`);
    if (e.name.endsWith('/') && e.uncompressedSize === 0) continue;
    const out = unpack(bytes, e);
    if (keep.includes(e.name)) kept.set(e.name, out);
  }
  return { entries, kept };
}
