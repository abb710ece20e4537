import { stat } from 'node:fs/promises';
import { resolve } from 'node:path';
import { glob } from 'tinyglobby';
import { DocflowError } from '../errors/index.js';

/** File names docflow reads when it walks a directory (`--all` takes every file). */
export const DOCUMENT_EXTENSIONS = ['txt', 'text', 'md', 'markdown', 'rst', 'html', 'htm', 'xhtml', 'pdf', 'docx', '1', '2', '3', '4', '5', '6', '7', '8', '9', '1.gz', '3.gz', '5.gz', '7.gz', '8.gz'];

/**
 * The files named by the command line: files as given, directories walked (documents only, unless
 * `all`), globs expanded. Absolute, de-duplicated, sorted. A path that matches nothing is an error
 * naming it, so a typo does not silently ingest nothing.
 */
export async function expandPaths(paths: readonly string[], opts: { all?: boolean; cwd?: string } = {}): Promise<string[]> {
  const cwd = opts.cwd ?? process.cwd();
  const out = new Set<string>();
  for (const p of paths) {
    const abs = resolve(cwd, p);
    const st = await stat(abs).catch(() => undefined);
    if (st?.isFile()) {
      out.add(abs);
      continue;
    }
    const pattern = st?.isDirectory()
      ? (opts.all ? '**/*' : `**/*.{${DOCUMENT_EXTENSIONS.join(',')}}`)
      : p;
    const found = await glob(pattern, { cwd: st?.isDirectory() ? abs : cwd, absolute: true, onlyFiles: true, dot: false, followSymbolicLinks: true, caseSensitiveMatch: false });
    if (found.length === 0) {
      const why = st?.isDirectory()
        ? (opts.all ? 'the directory holds no file' : `the directory holds no file of a document type (${DOCUMENT_EXTENSIONS.join(', ')}); --all takes every file`)
        : 'no such file or directory, and no file matches it as a glob';
      throw new DocflowError('ERR_LOAD_NOT_FOUND', `no documents found at ${p}: ${why}`);
    }
    for (const f of found) out.add(resolve(f));
  }
  return [...out].sort();
}
