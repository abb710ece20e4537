import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { DocflowError } from '../../src/errors/index.js';

/** Assert that `p` rejects with a DocflowError of `code` (and `retryable`, when given). */
export async function rejectsWith(p: Promise<unknown>, code: string, retryable?: boolean, message?: RegExp): Promise<DocflowError> {
  let caught: unknown;
  await p.then(() => assert.fail(`expected ${code}, got a result`), (err: unknown) => { caught = err; });
  assert.ok(caught instanceof DocflowError, `expected a DocflowError, got ${String(caught)}`);
  assert.equal(caught.code, code, caught.message);
  if (retryable !== undefined) assert.equal(caught.retryable, retryable);
  if (message) assert.match(caught.message, message);
  return caught;
}

/** Cosine of two vectors. */
export function cosine(a: Float32Array, b: Float32Array): number {
  let dot = 0;
  let na = 0;
  let nb = 0;
  for (let i = 0; i < a.length; i++) {
    dot += (a[i] as number) * (b[i] as number);
    na += (a[i] as number) ** 2;
    nb += (b[i] as number) ** 2;
  }
  return dot / Math.sqrt(na * nb);
}

/** L2 norm. */
export function norm(v: Float32Array): number {
  let s = 0;
  for (const x of v) s += x * x;
  return Math.sqrt(s);
}

const PYDOC = '/usr/share/doc/python3.11/html/library';

/**
 * Paragraphs (over 200 characters) of one page of the installed Python docs, tags stripped.
 * A missing corpus fails loudly: install python3.11-doc.
 */
export function pythonDocParagraphs(page: string, max = 40): string[] {
  const html = readFileSync(`${PYDOC}/${page}`, 'utf8');
  const paras = [...html.matchAll(/<p>([\s\S]*?)<\/p>/g)]
    .map((m) => (m[1] as string).replace(/<[^>]+>/g, ' ').replace(/&[a-z]+;/g, ' ').replace(/\s+/g, ' ').trim())
    .filter((p) => p.length > 200);
  return paras.slice(0, max);
}

/** A text of about `chars` characters (word-like, repeatable). */
export function textOf(chars: number, seed = 'word'): string {
  return `${seed} `.repeat(Math.ceil(chars / (seed.length + 1))).slice(0, chars);
}
