import { constants } from 'node:fs';
import { open, readlink, realpath, stat, type FileHandle } from 'node:fs/promises';
import { isAbsolute, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { DocflowError } from '../../src/errors/index.js';

/**
 * The real path of a `file://` uri, only if it lies inside one of `roots`. Symlinks and `..` are
 * resolved (realpath) BEFORE the check, so neither can escape; percent-encoded tricks are decoded by
 * the URL parser first (an encoded `/` is refused by it). Roots are resolved the same way.
 */
export async function resolveInsideRoots(uri: string, roots: readonly string[]): Promise<string> {
  let path: string;
  try {
    const url = new URL(uri);
    if (url.protocol !== 'file:') throw new Error(`scheme ${url.protocol} is not supported`);
    if (url.host !== '' && url.host !== 'localhost') throw new Error(`remote host "${url.host}" is not supported`);
    if (url.search || url.hash) throw new Error('a query or fragment is not allowed');
    path = fileURLToPath(url);
  } catch (err) {
    throw new DocflowError('ERR_LOAD_URI', `cannot load "${uri.slice(0, 200)}": ${(err as Error).message}`);
  }
  if (path.includes('\0') || !isAbsolute(path)) throw new DocflowError('ERR_LOAD_URI', `cannot load "${uri.slice(0, 200)}": not an absolute file path`);
  let real: string;
  try {
    real = await realpath(path);
  } catch {
    throw new DocflowError('ERR_LOAD_NOT_FOUND', `no such file: ${path}`);
  }
  if (!isInside(real, await realRoots(roots))) {
    throw new DocflowError('ERR_LOAD_OUTSIDE_ROOTS', `${path} resolves to ${real}, outside the configured roots (${roots.join(', ')})`, { details: { path, real } });
  }
  const st = await stat(real);
  if (!st.isFile()) throw new DocflowError('ERR_LOAD_NOT_FOUND', `${real} is not a regular file`);
  return real;
}

/**
 * Open `path` (as `resolveInsideRoots` returned it) for reading, and check what was opened. Between
 * the check and the open a folder on the way may have been swapped for a symlink to elsewhere: the
 * file is opened without following a symlink at its last step and without blocking (a FIFO swapped
 * in does not hang the stage), and where /proc is there the path the kernel actually opened is
 * checked against the roots once more. The caller closes the handle.
 * @throws DocflowError ERR_LOAD_OUTSIDE_ROOTS, ERR_LOAD_NOT_FOUND, ERR_LOAD_READ
 */
export async function openInsideRoots(path: string, roots: readonly string[]): Promise<FileHandle> {
  let fh: FileHandle;
  try {
    fh = await open(path, constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    // ELOOP: the last step became a symlink after the check.
    if (code === 'ELOOP') throw new DocflowError('ERR_LOAD_OUTSIDE_ROOTS', `${path} became a symlink after it was checked`, { details: { path } });
    if (code === 'ENOENT') throw new DocflowError('ERR_LOAD_NOT_FOUND', `no such file: ${path}`);
    throw new DocflowError('ERR_LOAD_READ', `cannot open ${path}: ${(err as Error).message}`, { cause: err });
  }
  try {
    const opened = await readlink(`/proc/self/fd/${fh.fd}`).catch(() => undefined);
    if (opened !== undefined && !isInside(opened, await realRoots(roots))) {
      throw new DocflowError('ERR_LOAD_OUTSIDE_ROOTS', `${path} was swapped after it was checked: it opened ${opened}, outside the configured roots (${roots.join(', ')})`, { details: { path, real: opened } });
    }
    if (!(await fh.stat()).isFile()) throw new DocflowError('ERR_LOAD_NOT_FOUND', `${path} is not a regular file`);
    return fh;
  } catch (err) {
    await fh.close();
    throw err;
  }
}

/** The real paths of the roots that exist. */
async function realRoots(roots: readonly string[]): Promise<string[]> {
  const real = await Promise.all(roots.map((r) => realpath(resolve(r)).catch(() => undefined)));
  return real.filter((r): r is string => r !== undefined);
}

/** `real` is one of `roots` or lies below one (whole path steps: `/data` does not hold `/data-other`). */
function isInside(real: string, roots: readonly string[]): boolean {
  return roots.some((root) => real === root || real.startsWith(root.endsWith(sep) ? root : root + sep));
}
