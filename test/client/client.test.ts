import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { firstValueFrom, lastValueFrom, toArray } from 'rxjs';
import { PACKAGE_ROOT } from '../../src/config/load.js';
import { DocflowClient, DocflowError } from '../../src/client/index.js';
import { startPipeline, type PipelineHarness } from '../harness/pipeline.js';

const run = promisify(execFile);

describe('the typed client (docflow/client) against a real pipeline', function () {
  this.timeout(180_000);
  let h: PipelineHarness;
  let client: DocflowClient;

  before(async () => {
    h = await startPipeline({ pipeline: ['load', 'extract', 'split', 'embed', 'index'] });
    client = await DocflowClient.connect({ servers: [h.nats.url], subjectPrefix: h.config.subjectPrefix });
  });
  after(async () => {
    await client?.close();
    await h?.[Symbol.asyncDispose]();
  });

  it('results(docId) is an Observable of accepted, stage and one terminal event, then completes', async () => {
    const events = lastValueFrom(client.results('obs-1').pipe(toArray()));
    const { docId } = await client.publish({ id: 'obs-1', text: 'Observables deliver the results of a document one event at a time.' });
    assert.equal(docId, 'obs-1');
    const statuses = (await events).map((e) => e.status);
    assert.equal(statuses[0], 'accepted');
    assert.ok(statuses.includes('stage'));
    assert.equal(statuses.at(-1), 'indexed');
    assert.equal(statuses.filter((s) => ['indexed', 'unchanged', 'failed'].includes(s)).length, 1);
  });

  it('ingestAndWait gives each document its end, failures with their code; search and the queries answer', async () => {
    const summary = await client.ingestAndWait([
      { id: 'c-good', text: 'The typed client shares its message types with the server code.' },
      { id: 'c-bad', uri: 'file:///etc/passwd' },
    ]);
    assert.equal(summary.total, 2);
    assert.equal(summary.indexed, 1);
    const bad = summary.docs.find((d) => d.docId === 'c-bad');
    assert.equal(bad?.status, 'failed');
    assert.match(bad?.error?.code ?? '', /^ERR_LOAD_/);
    const found = await client.search({ text: 'typed client message types', k: 3 });
    assert.equal(found.results[0]?.docId, 'c-good');
    const docs = await client.documents({ ids: ['c-good', 'nope'] });
    assert.deepEqual(docs.documents.map((d) => [d.id, d.status]), [['c-good', 'indexed']]);
    const status = await client.status();
    assert.deepEqual(status.stages.map((s) => s.name).sort(), ['embed', 'extract', 'index', 'load', 'split']);
    await assert.rejects(client.search({ text: 'x', k: 1000 } as never), (e: unknown) => e instanceof DocflowError);
  });

  it('two subscribers to results() of one document each get its events and its one terminal event', async () => {
    const a = firstValueFrom(client.results('obs-2').pipe(toArray()));
    const b = firstValueFrom(client.results('obs-2').pipe(toArray()));
    await client.publish({ id: 'obs-2', text: 'A second document for two subscribers.' });
    const [ea, eb] = await Promise.all([a, b]);
    assert.deepEqual(ea.map((e) => e.status), eb.map((e) => e.status));
    assert.equal(ea.at(-1)?.status, 'indexed');
  });

  it("the README's example runs as written (import 'docflow/client') and prints what it did", async () => {
    const readme = readFileSync(join(PACKAGE_ROOT, 'README.md'), 'utf8');
    const block = /<!-- client-example -->\s*```js\n([\s\S]*?)```\s*<!-- \/client-example -->/.exec(readme);
    assert.ok(block, 'the README has the client example');
    // Inside the package, so that `docflow/client` resolves to this checkout (package self-reference).
    const file = join(PACKAGE_ROOT, 'dist', `client-example-${process.pid}.mjs`);
    writeFileSync(file, block[1]!);
    try {
      const { stdout } = await run(process.execPath, [file], {
        env: { ...process.env, DOCFLOW_NATS_URL: h.nats.url, DOCFLOW_SUBJECT_PREFIX: h.config.subjectPrefix, DOCFLOW_CONFIG: '' },
        timeout: 60_000,
      });
      assert.match(stdout, /^1 indexed, 0 failed$/m);
      assert.match(stdout, /^best: hello \(score 0\.\d{3}\)$/m);
    } finally {
      rmSync(file, { force: true });
    }
  });
});
