/** Shared helpers of the extract tests: error assertions, section invariants, the installed corpora. */
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { DocflowError } from '../../src/errors/index.js';
import type { Extracted } from '../../src/extract/index.js';

/** Where the system packages put real documents (see README: python3.11-doc, r-doc-pdf, man pages). */
export const PY_HTML = '/usr/share/doc/python3.11/html/library';
export const R_MANUALS = '/usr/share/R/doc/manual';
export const MAN1 = '/usr/share/man/man1';

/** Read a corpus file; a missing package fails loudly with what to install (never a skip). */
export function corpus(path: string): Uint8Array {
  const hint = path.startsWith('/usr/share/doc/python3.11') ? 'apt-get install -y python3.11-doc'
    : path.startsWith('/usr/share/R') ? 'apt-get install -y r-doc-pdf'
    : 'install the package that provides it (man pages: man-db, coreutils)';
  if (!existsSync(path)) assert.fail(`${path} is missing: ${hint}`);
  return new Uint8Array(readFileSync(path));
}

/** Assert that `p` rejects with a DocflowError of exactly `code`; returns it for more checks. */
export async function rejectsCode(p: Promise<unknown>, code: string, message?: RegExp): Promise<DocflowError> {
  let caught: unknown;
  await p.then(
    () => assert.fail(`expected ${code}, got a result`),
    (err: unknown) => { caught = err; },
  );
  assert.ok(caught instanceof DocflowError, `expected a DocflowError, got ${String(caught)}`);
  assert.equal(caught.code, code, `expected ${code}, got ${caught.code}: ${caught.message}`);
  if (message) assert.match(caught.message, message);
  return caught;
}

/** Assert that `fn` throws a DocflowError of exactly `code` (for the synchronous `detectFormat`). */
export function throwsCode(fn: () => unknown, code: string, message?: RegExp): DocflowError {
  try {
    fn();
  } catch (err) {
    assert.ok(err instanceof DocflowError, `expected a DocflowError, got ${String(err)}`);
    assert.equal(err.code, code, `expected ${code}, got ${err.code}: ${err.message}`);
    if (message) assert.match(err.message, message);
    return err;
  }
  assert.fail(`expected ${code}, nothing was thrown`);
}

/**
 * The contract of `Extracted`: text present, line endings normalised, and sections in order, not
 * overlapping, non-empty, covering [0, text.length) exactly, pages within the page count.
 */
export function assertValid(r: Extracted): void {
  assert.equal(typeof r.text, 'string');
  assert.ok(r.text.trim().length > 0, 'some text');
  assert.ok(!r.text.includes('\r'), 'no CR left');
  assert.ok(r.sections.length > 0, 'at least one section');
  let at = 0;
  for (const s of r.sections) {
    assert.equal(s.start, at, `section starts where the previous ended (${JSON.stringify(s)})`);
    assert.ok(s.end > s.start, `section is not empty (${JSON.stringify(s)})`);
    assert.ok(Array.isArray(s.headingPath) && s.headingPath.every((h) => typeof h === 'string' && h.trim() !== ''));
    if (s.page !== undefined) {
      assert.ok(r.pages !== undefined && Number.isInteger(s.page) && s.page >= 1 && s.page <= r.pages, `page ${s.page} within 1..${r.pages}`);
    }
    at = s.end;
  }
  assert.equal(at, r.text.length, 'sections cover the text');
}

/** The text of each section, for readable assertions. */
export function sectionTexts(r: Extracted): Array<{ path: string; text: string }> {
  return r.sections.map((s) => ({ path: s.headingPath.join(' > '), text: r.text.slice(s.start, s.end) }));
}
