import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { startPipeline, type PipelineHarness } from '../harness/pipeline.js';
import { SearchReply, SearchRequest } from '../../src/messages/pipeline.js';

describe('pipeline smoke', function () {
  this.timeout(120_000);
  let h: PipelineHarness;
  before(async () => { h = await startPipeline(); });
  after(async () => { await h?.[Symbol.asyncDispose](); });
  it('indexes text documents and finds them', async () => {
    const files = Array.from({ length: 5 }, (_, i) => {
      const p = join(h.dir, `n${i}.txt`);
      writeFileSync(p, `Document ${i}\n\nThe capybara number ${i} swims in the river Orinoco every morning.\n`);
      return p;
    });
    const docs = await h.ingest(files.map((f) => ({ msg: { uri: pathToFileURL(f).href }, source: f })));
    console.log([...docs.values()].map((d) => `${d.docId} ${d.status} ${d.chunks} ${d.error?.code ?? ''} ${d.error?.message ?? ''}`));
    assert.ok([...docs.values()].every((d) => d.status === 'indexed'));
    const t = h.node.transport;
    const r = await t.request(t.subject('query.search'), SearchRequest, { text: 'capybara number 3 swims', k: 3 }, SearchReply);
    console.log(r.results.map((x) => `${x.docId} ${x.score}`));
  });
});
