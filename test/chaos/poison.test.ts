import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { parse, stringify } from 'yaml';
import { deepMerge, PACKAGE_ROOT } from '../../src/config/load.js';
import { DeadLetter } from '../../src/messages/index.js';
import { docxParts } from '../fixtures/documents/make-docx.js';
import { makeZip } from '../fixtures/documents/make-zip.js';
import { readStream, waitFor } from '../harness/streams.js';
import { useHarness } from '../harness/temp-service.js';
import { ChaosCluster, report, scale } from './cluster.js';
import { chaosCorpus } from './corpus.js';

const BIN = resolve(PACKAGE_ROOT, 'dist/src/cli/main.js');

/** A real, valid DOCX far too heavy for the extract threads' time limit of this test (tens of thousands of paragraphs). */
function heavyDocx(paragraphs: number, seed: number): Buffer {
  let x = seed;
  const rnd = () => (x = (x * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
  return makeZip(docxParts(Array.from({ length: paragraphs }, () => ({ text: Array.from({ length: 8 }, () => Math.floor(rnd() * 1e9).toString(36)).join(' ') }))));
}

describe('chaos: poison among good documents', function () {
  this.timeout(1_800_000);
  // Extract threads get 3 s per document: the heavy documents below overrun it, and the pool stops
  // (terminates) their thread mid-parse, as it would a parser stuck on a hostile file.
  const chaos = useHarness('ChaosCluster', () => ChaosCluster.start({ stageConfig: { extract: { pools: { extract: { taskTimeoutMs: 3_000 } } } } }), 120_000);

  it('the good ones finish, the six end in the dead-letter stream with reasons, and `docflow dlq replay` re-runs one after a fix', async () => {
    const cluster = chaos();
    const n = scale(500, 500);
    const good = chaosCorpus('poison', n, cluster.dir);
    const heavy = [0, 1, 2].map((i) => {
      const file = join(cluster.dir, `heavy-${i}.docx`);
      writeFileSync(file, heavyDocx(40_000, i + 1));
      return { id: `poison-heavy-${i}`, msg: { id: `poison-heavy-${i}`, uri: pathToFileURL(file).href } };
    });
    const started = Date.now();
    // Spread the poison among the good documents.
    await cluster.publish([...good.slice(0, n / 2), heavy[0]!, ...good.slice(n / 2, (3 * n) / 4), heavy[1]!, ...good.slice((3 * n) / 4), heavy[2]!]);
    const ingest = cluster.client.subject('ingest');
    await cluster.client.publishRaw(ingest, new Uint8Array([0x81, 0xc1, 0x00]), { 'Content-Type': 'application/msgpack' });
    await cluster.client.publishRaw(ingest, new Uint8Array([0x04, 0x22, 0x4d, 0x18, 0x64, 0x40, 0xa7, 0xff, 0xff, 0xff, 0x7f, 0x00]), { 'Content-Type': 'application/msgpack', 'Content-Encoding': 'lz4' });
    await cluster.client.publishRaw(ingest, new TextEncoder().encode('{"text": 12}'), { 'Content-Type': 'application/json' });

    const goodIds = good.map((d) => d.id);
    const heavyIds = heavy.map((d) => d.id);
    await cluster.runUntilDone([...goodIds, ...heavyIds], { label: 'poison', timeoutMs: 600_000 });
    await waitFor('six dead letters', async () => (await readStream(cluster.client, 'DLQ', DeadLetter)).length === 6, 60_000, 500);
    const v = await cluster.verify(goodIds);
    report({ test: `poison: 3 undecodable messages and 3 documents that overrun their extractor among ${n}`, documents: n + 6, faults: 6, redeliveries: v.redeliveries, duplicates: v.duplicates, lost: v.lost.length, seconds: (Date.now() - started) / 1000 });
    assert.deepEqual(v.lost, [], 'lost good documents');
    assert.equal(v.duplicates, 0, 'duplicate terminal results or chunks');
    for (const id of heavyIds) {
      const t = v.terminals.get(id) ?? [];
      assert.deepEqual(t.map((r) => `${r.status} ${r.error?.code}`), ['failed ERR_EXTRACT_TIMEOUT'], id);
    }

    const dead = await readStream(cluster.client, 'DLQ', DeadLetter);
    const undecodable = dead.filter((d) => d.message.docId === undefined).map((d) => `${d.message.stage} ${d.message.error.code}`).sort();
    assert.deepEqual(undecodable, ['load ERR_CODEC_LZ4', 'load ERR_CODEC_MSGPACK', 'load ERR_CODEC_SCHEMA']);
    const overran = dead.filter((d) => d.message.docId !== undefined);
    assert.deepEqual(overran.map((d) => `${d.message.docId} ${d.message.stage} ${d.message.error.code}`).sort(), heavyIds.map((id) => `${id} extract ERR_EXTRACT_TIMEOUT`));
    for (const d of dead) assert.ok(d.message.error.message.length > 10, `a reason: ${d.message.error.message}`);

    // The fix: a longer time limit for the extract threads (the worker is restarted with it), then replay one.
    const file = cluster.workersOf('extract')[0]!.configFile;
    writeFileSync(file, stringify(deepMerge(parse(readFileSync(file, 'utf8')) as Record<string, unknown>, { pools: { extract: { taskTimeoutMs: 600_000 } } })));
    await Promise.all(cluster.workersOf('extract').map((w) => w.restart()));
    const target = overran.find((d) => d.message.docId === heavyIds[0])!;
    const seq = await dlqSeqOf(cluster, heavyIds[0]!);
    const out = await cli(['dlq', 'replay', String(seq), '--config', file]);
    assert.equal(out.code, 0, out.stderr);
    assert.match(out.stdout, new RegExp(`replayed ${seq} on ${target.message.subject.replaceAll('.', '\\.')}`));
    await cluster.runUntilDone([heavyIds[0]!], { label: 'replay', timeoutMs: 300_000, done: (rs) => rs.some((r) => r.status === 'indexed') });
    assert.equal((await readStream(cluster.client, 'DLQ', DeadLetter)).length, 5, 'the replayed dead letter left the DLQ');
    await cluster.settle();
  });
});

async function dlqSeqOf(cluster: ChaosCluster, docId: string): Promise<number> {
  const out = await cli(['dlq', 'list', '--json', '--config', cluster.workersOf('extract')[0]!.configFile]);
  assert.equal(out.code, 0, out.stderr);
  const entry = (JSON.parse(out.stdout) as Array<{ seq: number; docId?: string }>).find((e) => e.docId === docId);
  assert.ok(entry, `${docId} is listed by docflow dlq list`);
  return entry.seq;
}

function cli(args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((res) => {
    const env = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('DOCFLOW_')));
    const child = spawn(process.execPath, [BIN, ...args], { env: { ...env, DOCFLOW_LOG_LEVEL: 'silent' }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('exit', (code) => res({ code, stdout, stderr }));
  });
}
