/**
 * Security defaults, item 3 (issue #7): file loading cannot leave `load.roots`, whatever the uri says.
 * Each trick goes through the real pipeline as a `uri` on docflow.ingest and must end `failed` with a
 * typed code and a dead letter, with the outside file's content nowhere; a good document published
 * after it is still indexed. (test/pipeline/bad-input.test.ts runs three of these among other bad input.)
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { deriveDocId } from '../../actors/load/doc-id.js';
import { openInsideRoots, resolveInsideRoots } from '../../actors/load/resolve-uri.js';
import { DocflowError } from '../../src/errors/index.js';
import { DeadLetter, type IngestMessage } from '../../src/messages/index.js';
import { SearchReply, SearchRequest } from '../../src/messages/pipeline.js';
import { startPipeline, type PipelineHarness } from '../harness/pipeline.js';
import { readStream, waitFor } from '../harness/streams.js';

describe('security 3: file loading cannot leave its roots', function () {
  this.timeout(120_000);
  const secret = `TOPSECRET${randomBytes(8).toString('hex')}`;
  let h: PipelineHarness;
  let outside: string;
  let root: string;
  /** uri → the code it must fail with. */
  const tricks = new Map<string, string>();

  before(async () => {
    // The root is the harness dir (the pipeline's only root); the secret lies elsewhere, and in a sibling
    // whose name starts with the root's (a prefix check without a separator would let it in).
    outside = mkdtempSync(join(tmpdir(), 'docflow-sec-outside-'));
    writeFileSync(join(outside, 'secret.txt'), `${secret} must never be loaded`);
    h = await startPipeline({ overrides: { 'knowledge.enabled': false } });
    root = h.dir;
    assert.deepEqual(h.config.load.roots, [root]);
    mkdirSync(join(root, 'inner'));
    mkdirSync(`${root}-evil`);
    writeFileSync(`${root}-evil/secret.txt`, `${secret} in a sibling folder`);
    writeFileSync(join(root, 'inner', 'fine.txt'), 'A fine document inside the root about platypus habitats.');
    symlinkSync(join(outside, 'secret.txt'), join(root, 'file-link.txt'));
    symlinkSync(outside, join(root, 'dir-link'));
    symlinkSync('/proc/self/root/etc/passwd', join(root, 'proc-link'));
    symlinkSync(join(root, 'loop'), join(root, 'loop'));
    execFileSync('mkfifo', [join(root, 'pipe')]);

    const r = pathToFileURL(root).href; // file:///tmp/.../root
    const rel = (n: number) => '../'.repeat(n);
    const depth = root.split('/').length - 1;
    const enc = (s: string) => s.replaceAll('.', '%2e').replaceAll('/', '%2f');
    const add = (uri: string, code: string) => tricks.set(uri, code);
    // Plain `..` and absolute paths outside the roots.
    add(`${r}/inner/${rel(depth + 1)}${outside.slice(1)}/secret.txt`, 'ERR_LOAD_OUTSIDE_ROOTS');
    add(`${r}/${rel(depth)}etc/passwd`, 'ERR_LOAD_OUTSIDE_ROOTS');
    add(pathToFileURL(join(outside, 'secret.txt')).href, 'ERR_LOAD_OUTSIDE_ROOTS');
    add('file:///etc/passwd', 'ERR_LOAD_OUTSIDE_ROOTS');
    add('file:///proc/self/environ', 'ERR_LOAD_OUTSIDE_ROOTS');
    add(`${r}-evil/secret.txt`, 'ERR_LOAD_OUTSIDE_ROOTS');
    add(`FILE://${root}/../../../../etc/passwd`, 'ERR_LOAD_OUTSIDE_ROOTS');
    add(`file://localhost${outside}/secret.txt`, 'ERR_LOAD_OUTSIDE_ROOTS');
    // Symlinks inside the root pointing out: to a file, through a folder, through /proc.
    add(`${r}/file-link.txt`, 'ERR_LOAD_OUTSIDE_ROOTS');
    add(`${r}/dir-link/secret.txt`, 'ERR_LOAD_OUTSIDE_ROOTS');
    add(`${r}/proc-link`, 'ERR_LOAD_OUTSIDE_ROOTS');
    add(`${r}/loop`, 'ERR_LOAD_NOT_FOUND');
    // Encoded tricks: %2e%2e (decoded to `..` by the URL parser, then resolved), %2f (refused),
    // double encoding (a literal `%2e%2e` name: nothing there), backslashes (a `/` in a file URL),
    // an encoded backslash (a literal character on Linux), NUL bytes.
    add(`${r}/%2e%2e/%2e%2e/%2e%2e/%2e%2e/%2e%2e/%2e%2e/etc/passwd`, 'ERR_LOAD_OUTSIDE_ROOTS');
    add(`${r}/%2E%2E/${enc(rel(depth))}etc/passwd`, 'ERR_LOAD_URI');
    add(`${r}/inner%2F..%2F..%2F..%2Fetc%2Fpasswd`, 'ERR_LOAD_URI');
    add(`${r}/%252e%252e/%252e%252e/etc/passwd`, 'ERR_LOAD_NOT_FOUND');
    add(`${r}\\..\\..\\..\\..\\..\\..\\etc\\passwd`, 'ERR_LOAD_OUTSIDE_ROOTS');
    add(`${r}/..%5c..%5c..%5cetc%5cpasswd`, 'ERR_LOAD_NOT_FOUND');
    add(`${r}/inner/fine.txt%00.pdf`, 'ERR_LOAD_URI');
    add(`${r}/inner/fine.txt\u0000/${rel(depth + 2)}etc/passwd`, 'ERR_LOAD_OUTSIDE_ROOTS'); // the NUL's segment is dropped by `..`
    // Hosts and other schemes.
    add('file://attacker.example/etc/passwd', 'ERR_LOAD_URI');
    add('file://127.0.0.1/etc/passwd', 'ERR_LOAD_URI');
    add(`file:////attacker.example/share${root}/inner/fine.txt`, 'ERR_LOAD_NOT_FOUND');
    add(`${r}/inner/fine.txt?../../etc/passwd`, 'ERR_LOAD_URI');
    for (const other of ['http://127.0.0.1:1/x', 'https://example.com/a.html', 'ftp://example.com/a', 'data:text/plain,hello', 'javascript:alert(1)', '/etc/passwd', '../../etc/passwd', 'etc/passwd']) {
      add(other, 'ERR_LOAD_URI');
    }
    // Not regular files inside the root: a folder, a FIFO (opening it would block the stage).
    add(`${r}/inner`, 'ERR_LOAD_NOT_FOUND');
    add(`${r}/pipe`, 'ERR_LOAD_NOT_FOUND');
  });
  after(async () => {
    await h?.[Symbol.asyncDispose]();
    rmSync(outside, { recursive: true, force: true });
    if (root) rmSync(`${root}-evil`, { recursive: true, force: true });
  });

  it('every trick ends `failed` at load with its typed code, and is dead-lettered with it', async () => {
    const items = [...tricks.keys()].map((uri) => ({ msg: { uri } as IngestMessage, source: uri }));
    const docs = await h.ingest(items);
    const got = Object.fromEntries([...tricks.keys()].map((uri) => {
      const d = docs.get(deriveDocId({ uri }).docId);
      return [uri, `${d?.status} ${d?.error?.code}`];
    }));
    assert.deepEqual(got, Object.fromEntries([...tricks].map(([uri, code]) => [uri, `failed ${code}`])));
    const t = h.node.transport;
    await waitFor('the dead letters', async () => (await readStream(t, 'DLQ', DeadLetter)).length >= tricks.size);
    const dead = new Map((await readStream(t, 'DLQ', DeadLetter)).map(({ message }) => [message.docId, message]));
    for (const [uri, code] of tricks) {
      const dl = dead.get(deriveDocId({ uri }).docId);
      assert.equal(dl?.error.code, code, uri);
      assert.equal(dl?.stage, 'load');
      assert.doesNotMatch(JSON.stringify(dl), new RegExp(secret), 'no dead letter holds the secret');
    }
  });

  it('the pipeline goes on: a good document published after them is indexed, and the secret is nowhere', async () => {
    const uri = pathToFileURL(join(root, 'inner', 'fine.txt')).href;
    const docs = await h.ingest([{ msg: { uri }, source: 'fine' }]);
    assert.equal(docs.get(deriveDocId({ uri }).docId)?.status, 'indexed');
    const t = h.node.transport;
    const found = await t.request(t.subject('query.search'), SearchRequest, { text: `${secret} platypus`, k: 100 }, SearchReply);
    assert.deepEqual(found.results.map((r) => r.metadata['name']), ['fine.txt'], 'only the good document is indexed');
    const { rows } = await h.node.stores!.db.query('SELECT count(*)::integer AS n FROM chunks WHERE text LIKE $1', [`%${secret}%`]);
    assert.equal(rows[0]!['n'], 0);
  });

  it('a folder swapped for a symlink after the check is caught at open (time of check, time of use)', async () => {
    const dir = join(root, 'swap');
    mkdirSync(dir);
    writeFileSync(join(dir, 'secret.txt'), 'harmless');
    const checked = await resolveInsideRoots(pathToFileURL(join(dir, 'secret.txt')).href, [root]);
    // Between the check and the read, the folder becomes a link to the outside.
    rmSync(dir, { recursive: true });
    symlinkSync(outside, dir);
    await assert.rejects(openInsideRoots(checked, [root]), (e: unknown) => e instanceof DocflowError && e.code === 'ERR_LOAD_OUTSIDE_ROOTS');
    // And the last step swapped for a symlink is refused too.
    rmSync(dir);
    mkdirSync(dir);
    symlinkSync(join(outside, 'secret.txt'), join(dir, 'secret.txt'));
    await assert.rejects(openInsideRoots(checked, [root]), (e: unknown) => e instanceof DocflowError && e.code === 'ERR_LOAD_OUTSIDE_ROOTS');
  });
});
