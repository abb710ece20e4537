import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { PACKAGE_ROOT } from '../../src/config/load.js';
import { startPipeline, type PipelineHarness } from '../harness/pipeline.js';
import { waitFor } from '../harness/streams.js';
import { listDeadLetters } from '../../src/client/dlq.js';

const BIN = resolve(PACKAGE_ROOT, 'dist/src/cli/main.js');

describe('docflow ingest, search, entities, dlq against a running pipeline', function () {
  this.timeout(180_000);
  let h: PipelineHarness;
  let env: Record<string, string>;
  let docs: string;

  const run = (args: string[]) => new Promise<{ code: number | null; stdout: string; stderr: string }>((res) => {
    const child = spawn(process.execPath, [BIN, ...args], { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('exit', (code) => res({ code, stdout, stderr }));
  });

  before(async () => {
    h = await startPipeline();
    env = { DOCFLOW_NATS_URL: h.nats.url, DOCFLOW_SUBJECT_PREFIX: h.config.subjectPrefix, DOCFLOW_LOG_LEVEL: 'silent', DOCFLOW_DATA_DIR: join(h.dir, 'cli') };
    docs = join(h.dir, 'docs');
    mkdirSync(docs);
    writeFileSync(join(docs, 'curie.txt'), 'Marie Curie worked at the University of Paris. Pierre Curie married Marie Curie in 1895.\n');
    writeFileSync(join(docs, 'otters.md'), '# Otters\n\nSea otters hold hands while they sleep so that they do not drift apart.\n');
    writeFileSync(join(docs, 'empty.txt'), '');
    writeFileSync(join(docs, 'ignored.bin'), 'not a document type, skipped when walking a directory');
  });
  after(async () => { await h?.[Symbol.asyncDispose](); });

  it('ingest walks a directory, waits for every result, and exits 1 naming the failed document', async () => {
    const r = await run(['ingest', docs]);
    assert.equal(r.code, 1, r.stderr);
    assert.match(r.stdout, /ingested 3 document\(s\).*2 indexed, 0 unchanged, 1 failed/);
    assert.match(r.stdout, /failed: .*empty\.txt .*ERR_LOAD_EMPTY/);
    assert.doesNotMatch(r.stdout, /ignored\.bin/);
    assert.match(r.stderr, /ingest: 3\/3 done/, 'plain progress lines when not on a terminal');
    assert.match(r.stderr, /ingest: 3\/3 done.*index 2, knowledge 2;/, 'it waited for the knowledge branch of the running deployment too');
    // so what the documents said is queryable the moment ingest returns
    const entities = await run(['entities', 'curie']);
    assert.equal(entities.code, 0, entities.stderr);
    assert.match(entities.stdout, /Marie Curie/);
  });

  it('ingest of unchanged documents exits 0; --json gives the figures', async () => {
    const r = await run(['ingest', '--json', join(docs, 'curie.txt'), join(docs, 'otters.md')]);
    assert.equal(r.code, 0, r.stderr);
    const f = JSON.parse(r.stdout) as { total: number; unchanged: number; failed: number };
    assert.deepEqual([f.total, f.unchanged, f.failed], [2, 2, 0]);
  });

  it('--meta may come before the paths; a bad argument exits 2 saying what is wrong', async () => {
    writeFileSync(join(docs, 'badgers.txt'), 'Badgers dig setts under old woodland.\n');
    const r = await run(['ingest', '--meta', 'team=mammals', '--meta', 'year=2024', '--meta', 'code=007', join(docs, 'badgers.txt')]);
    assert.equal(r.code, 0, r.stderr);
    const s = await run(['search', '--json', '--where', '{"team":"mammals"}', 'badgers', 'setts']);
    assert.equal(s.code, 0, s.stderr);
    const hits = (JSON.parse(s.stdout) as { results: Array<{ metadata: Record<string, unknown> }> }).results;
    assert.deepEqual(hits.map((h) => [h.metadata['team'], h.metadata['year'], h.metadata['code']]), [['mammals', 2024, '007']], 'a number only when it reads back the same');
    for (const [args, says] of [
      [['ingest', '--collection', 'bad name', join(docs, 'badgers.txt')], /--collection must be 1-63 of/],
      [['ingest', '--idle-timeout-ms', 'soon', join(docs, 'badgers.txt')], /--idle-timeout-ms must be a positive whole number/],
      [['ingest', '--meta', 'ünï=1', join(docs, 'badgers.txt')], /--meta key "ünï" must be 1-128 of/],
      [['entities', '--size', '0'], /ERR_QUERY_INVALID[\s\S]*\/size: /],
      [['relations', '--subject', '99999999999999999999'], /ERR_QUERY_INVALID/],
      [['entities', '--sort', 'password'], /ERR_QUERY_SORT/],
    ] as const) {
      const bad = await run([...args]);
      assert.equal(bad.code, 2, `${args.join(' ')}: ${bad.stderr}`);
      assert.match(bad.stderr, says, args.join(' '));
    }
  });

  it('output piped into a reader that stops early (| head -1) ends quietly, exit 0', async () => {
    const child = spawn(process.execPath, [BIN, 'search', '-k', '100', 'the'], { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.stdout.destroy(); // closed before the command writes: its first write meets EPIPE
    const code = await new Promise<number | null>((res) => child.on('exit', res));
    assert.equal(code, 0, stderr);
    assert.doesNotMatch(stderr, /EPIPE|Error/);
  });

  it('search prints the best chunk with its source', async () => {
    const r = await run(['search', '-k', '2', 'sea', 'otters', 'hold', 'hands']);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout.split('\n')[0]!, /^1\. [\d.]+ +otters-md-[0-9a-f]+ +file:\/\/.*otters\.md · Otters/);
  });

  it('entities and paths answer from the knowledge the documents gave', async () => {
    const r = await run(['paths', 'Pierre Curie', 'University of Paris']);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /Pierre Curie -\[marry\]- Marie Curie -\[work at\]- University of Paris/);
    // --attributes and --relations show in the table's output, not only in --json; a name's words may go unquoted
    const both = await run(['entities', 'marie', 'curie', '--attributes', '--relations']);
    assert.equal(both.code, 0, both.stderr);
    assert.match(both.stdout, /Marie Curie\s+person\s+[\d.]+\s+\d+\s+firstName=Marie, lastName=Curie/);
    assert.match(both.stdout, /^Marie Curie \(\d+\): its \d+ best relations$/m);
    assert.match(both.stdout, /^ {2}Pierre Curie -\[marry\]- Marie Curie {2}[\d.]+$/m);
    const marie = Number(/^Marie Curie \((\d+)\)/m.exec(both.stdout)![1]);
    const rel = async (args: string[]) => (JSON.parse((await run(['relations', '--json', ...args])).stdout) as { items: Array<{ predicate: string; subject: { name: string }; object: { name: string } }> }).items;
    assert.deepEqual((await rel(['--predicate', 'MARRY'])).map((r) => r.subject.name), ['Pierre Curie'], 'a predicate in any case');
    assert.deepEqual((await rel(['--entity', String(marie), '--sort', 'predicate'])).map((r) => r.predicate), ['marry', 'work at'], '--entity: either side');
    const directed = await run(['paths', '--directed', 'Marie Curie', 'Pierre Curie']);
    assert.equal(directed.stdout, 'no path\n', 'Pierre married Marie: no relation leads from Marie to Pierre');
    assert.match((await run(['paths', 'Marie Curie', 'Pierre Curie'])).stdout, /Marie Curie -\[marry\]- Pierre Curie/);
    const blank = await run(['search', '   ']);
    assert.equal(blank.code, 2, blank.stderr);
    assert.match(blank.stderr, /the query text is blank[\s\S]*ERR_QUERY_INVALID/);
    // a descending sort is `-field`, even `-confidence` (no global option takes it for its own `-c`)
    for (const what of ['entities', 'relations']) {
      const sorted = await run([what, '--sort', '-confidence', '--size', '100', '--json']);
      assert.equal(sorted.code, 0, `${what}: ${sorted.stderr}`);
      const c = (JSON.parse(sorted.stdout) as { items: Array<{ confidence: number }> }).items.map((i) => i.confidence);
      assert.ok(c.length > 1, `${what}: some items`);
      assert.deepEqual(c, [...c].sort((a, b) => b - a), `${what} by confidence, descending`);
    }
  });

  it('dlq list shows the dead letter; replay after a fix indexes the document', async () => {
    const list = await run(['dlq', 'list']);
    assert.equal(list.code, 0, list.stderr);
    assert.match(list.stdout, /load .*empty-txt-[0-9a-f]+ .*ERR_LOAD_EMPTY/);
    const [entry] = await listDeadLetters(h.node.transport, { stage: 'load' });
    writeFileSync(join(docs, 'empty.txt'), 'Now the file has text about hedgehogs.\n');
    const replay = await run(['dlq', 'replay', String(entry!.seq)]);
    assert.equal(replay.code, 0, replay.stderr);
    await waitFor('the replayed document indexed', async () => {
      const r = await run(['documents', '--json', entry!.docId!]);
      return (JSON.parse(r.stdout) as { documents: Array<{ status: string }> }).documents[0]?.status === 'indexed';
    }, 60_000, 500);
    assert.equal((await listDeadLetters(h.node.transport, { stage: 'load' })).length, 0, 'replayed letters leave the DLQ');
  });
});
