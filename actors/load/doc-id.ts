import { createHash } from 'node:crypto';
import { basename } from 'node:path';
import type { IngestMessage } from '../../src/messages/index.js';

const VALID = /^[A-Za-z0-9_-]{1,128}$/;

function sha256(data: string | Uint8Array): string {
  return createHash('sha256').update(data).digest('hex');
}

/** A readable slug of a file name: `os.path.html` → `os-path-html`. */
function slug(name: string): string {
  return name.toLowerCase().replace(/[^a-z0-9]+/g, '-').replace(/^-+|-+$/g, '').slice(0, 60);
}

/**
 * The id of an ingested document. A valid `id` is used as given. Without one it is derived from the
 * source, stable across re-publishes: for a `uri`, its file name and a hash of the whole uri (so two
 * `README.md` in different folders differ); for inline content, a hash of the content. An invalid id
 * yields `valid: false` and a safe id derived from it, under which the `failed` result is reported.
 */
export function deriveDocId(msg: Pick<IngestMessage, 'id' | 'uri' | 'text' | 'data'>): { docId: string; valid: boolean } {
  if (msg.id !== undefined) {
    if (VALID.test(msg.id)) return { docId: msg.id, valid: true };
    return { docId: `invalid-${sha256(msg.id).slice(0, 24)}`, valid: false };
  }
  if (msg.uri !== undefined) {
    const name = slug(basename(msg.uri.replace(/[?#].*$/, '')));
    return { docId: `${name ? `${name}-` : 'uri-'}${sha256(msg.uri).slice(0, 16)}`, valid: true };
  }
  const content = msg.text ?? msg.data ?? '';
  return { docId: `doc-${sha256(content).slice(0, 24)}`, valid: true };
}
