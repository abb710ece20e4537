/**
 * Real text for benchmarks: the Python 3.11 documentation as Debian installs it (package
 * python3.11-doc), HTML pages and reST sources. Documents of an exact size are cut from the files
 * concatenated in path order, so every run measures the same bytes.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

/** Where python3.11-doc puts its HTML. */
export const CORPUS_ROOT = '/usr/share/doc/python3.11/html';
/** What to tell a user whose machine lacks the corpus. */
export const CORPUS_INSTALL_HINT = 'install python3.11-doc: apt-get install -y python3.11-doc';

/** The corpus is not installed. */
export class CorpusMissingError extends Error {
  constructor(root: string) {
    super(`no text corpus at ${root}: ${CORPUS_INSTALL_HINT}`);
    this.name = 'CorpusMissingError';
  }
}

/** Options of {@link loadCorpus} and {@link makeDocuments}. */
export interface CorpusOptions {
  /** @defaultValue {@link CORPUS_ROOT} */
  root?: string;
  /** File name endings to read. @defaultValue ['.html', '.txt'] */
  extensions?: readonly string[];
  /** Stop reading files once this many bytes are loaded. @defaultValue 16 MiB */
  maxBytes?: number;
}

/** Every file under `root` whose name ends with one of `extensions`, sorted by path. */
export function corpusFiles(root = CORPUS_ROOT, extensions: readonly string[] = ['.html', '.txt']): string[] {
  if (!existsSync(root)) throw new CorpusMissingError(root);
  const out: string[] = [];
  const dirs = [root];
  while (dirs.length > 0) {
    const dir = dirs.pop()!;
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      const path = join(dir, entry.name);
      if (entry.isDirectory()) dirs.push(path);
      else if (entry.isFile() && extensions.some((e) => entry.name.endsWith(e))) out.push(path);
    }
  }
  if (out.length === 0) throw new CorpusMissingError(root);
  return out.sort();
}

/** The corpus files concatenated in path order (UTF-8 bytes), up to about `maxBytes`. */
export function loadCorpus(opts: CorpusOptions = {}): Buffer {
  const maxBytes = opts.maxBytes ?? 16 * 1024 * 1024;
  const parts: Buffer[] = [];
  let total = 0;
  for (const file of corpusFiles(opts.root, opts.extensions)) {
    const data = readFileSync(file);
    parts.push(data);
    total += data.length;
    if (total >= maxBytes) break;
  }
  return Buffer.concat(parts, total);
}

/** Step back from `end` to a UTF-8 character boundary of `bytes`. */
function charBoundary(bytes: Uint8Array, end: number): number {
  let i = end;
  while (i > 0 && i < bytes.length && (bytes[i]! & 0xc0) === 0x80) i--;
  return i;
}

/**
 * `count` distinct documents of exactly `sizeBytes` UTF-8 bytes each, cut one after the other from the
 * corpus at character boundaries (padded with spaces where a cut lost a partial character).
 *
 * @throws CorpusMissingError when python3.11-doc is not installed; RangeError if the corpus is too small.
 */
export function makeDocuments(sizeBytes: number, count = 1, opts: CorpusOptions = {}, corpus?: Buffer): string[] {
  const text = corpus ?? loadCorpus({ ...opts, maxBytes: Math.max(opts.maxBytes ?? 0, sizeBytes * count + 4096) });
  if (text.length < sizeBytes * count) throw new RangeError(`the corpus holds ${text.length} bytes, fewer than ${count} × ${sizeBytes}`);
  const docs: string[] = [];
  let start = 0;
  for (let i = 0; i < count; i++) {
    const end = charBoundary(text, start + sizeBytes);
    docs.push(text.toString('utf8', start, end) + ' '.repeat(sizeBytes - (end - start)));
    start = end;
  }
  return docs;
}

/** One document of exactly `sizeBytes` UTF-8 bytes of real text (see {@link makeDocuments}). */
export function makeDocument(sizeBytes: number, opts: CorpusOptions = {}): string {
  return makeDocuments(sizeBytes, 1, opts)[0]!;
}
