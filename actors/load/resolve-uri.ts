import { realpath, stat } from 'node:fs/promises';
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
  const realRoots = await Promise.all(roots.map((r) => realpath(resolve(r)).catch(() => undefined)));
  const inside = realRoots.some((root) => root !== undefined && (real === root || real.startsWith(root.endsWith(sep) ? root : root + sep)));
  if (!inside) {
    throw new DocflowError('ERR_LOAD_OUTSIDE_ROOTS', `${path} resolves to ${real}, outside the configured roots (${roots.join(', ')})`, { details: { path, real } });
  }
  const st = await stat(real);
  if (!st.isFile()) throw new DocflowError('ERR_LOAD_NOT_FOUND', `${real} is not a regular file`);
  return real;
}
