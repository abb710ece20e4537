import assert from 'node:assert/strict';
import { DocflowError } from '../../src/errors/index.js';
import { EmbedBatcher, hashEmbedder, hashEmbedPacked, httpEmbedder, type Embedder } from '../../src/embed/index.js';
import { startEmbeddingsServer } from '../fixtures/embeddings-server.js';
import { rejectsWith } from './helpers.js';

const DIM = 8;

function expected(texts: readonly string[]): Float32Array[] {
  const packed = hashEmbedPacked(texts, DIM);
  return texts.map((_, i) => packed.slice(i * DIM, (i + 1) * DIM));
}

/** One embed call the test holds open until it calls `finish()` (or `fail(err)`). */
interface HeldCall {
  texts: readonly string[];
  signal: AbortSignal | undefined;
  finish(): void;
  fail(err: unknown): void;
}

/** A hash embedder whose calls are recorded and, when `hold` is set, wait for the test to finish them. */
class RecordingEmbedder implements Embedder {
  readonly model = 'hash-v1';
  readonly dimension = DIM;
  readonly calls: HeldCall[] = [];
  hold = false;
  readonly #inner = hashEmbedder({ dimension: DIM });

  embed(texts: readonly string[], signal?: AbortSignal): Promise<Float32Array[]> {
    return new Promise((resolve, reject) => {
      const call: HeldCall = {
        texts: [...texts],
        signal,
        finish: () => { void this.#inner.embed(texts).then(resolve); },
        fail: reject,
      };
      signal?.addEventListener('abort', () => reject(new DocflowError('ERR_ABORTED', 'batch cancelled')), { once: true });
      this.calls.push(call);
      if (!this.hold) call.finish();
    });
  }
}

const texts = (caller: number, n: number): string[] => Array.from({ length: n }, (_, i) => `caller ${caller} text ${i}`);

async function until(what: string, cond: () => boolean): Promise<void> {
  const deadline = Date.now() + 5000;
  while (!cond()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 2));
  }
}

describe('EmbedBatcher', function () {
  this.timeout(20_000);
  const open: EmbedBatcher[] = [];
  const make = (embedder: Embedder, settings: Partial<{ batchSize: number; batchWaitMs: number }> = {}): EmbedBatcher => {
    const b = new EmbedBatcher(embedder, settings);
    open.push(b);
    return b;
  };
  afterEach(async () => { await Promise.all(open.splice(0).map((b) => b.close())); });

  it('coalesces concurrent callers into one batch, and gives each its own vectors', async () => {
    const inner = new RecordingEmbedder();
    const b = make(inner, { batchSize: 64, batchWaitMs: 20 });
    const inputs = Array.from({ length: 20 }, (_, c) => texts(c, 3));
    const results = await Promise.all(inputs.map((t) => b.embed(t)));
    results.forEach((r, c) => assert.deepEqual(r, expected(inputs[c]!)));
    assert.equal(inner.calls.length, 1, '20 callers, one call to the embedder');
    const s = b.stats();
    assert.equal(s.batches, 1);
    assert.equal(s.items, 60);
    assert.equal(s.meanBatchSize, 60);
    assert.equal(s.flushReasons.time, 1);
    assert.ok(s.meanWaitMs >= 0);
  });

  it('flushes as soon as batchSize texts wait, without waiting for the timer', async () => {
    const inner = new RecordingEmbedder();
    const b = make(inner, { batchSize: 4, batchWaitMs: 600_000 });
    const [x, y] = await Promise.all([b.embed(texts(1, 2)), b.embed(texts(2, 2))]);
    assert.deepEqual(x, expected(texts(1, 2)));
    assert.deepEqual(y, expected(texts(2, 2)));
    assert.deepEqual(b.stats().flushReasons, { size: 1, time: 0, close: 0 });
  });

  it('flushes a partial batch when the oldest text has waited batchWaitMs', async () => {
    const inner = new RecordingEmbedder();
    const b = make(inner, { batchSize: 1000, batchWaitMs: 5 });
    assert.deepEqual(await b.embed(['alone']), expected(['alone']));
    assert.deepEqual(b.stats().flushReasons, { size: 0, time: 1, close: 0 });
  });

  it('spreads one caller over several batches and keeps its order', async () => {
    const inner = new RecordingEmbedder();
    const b = make(inner, { batchSize: 4, batchWaitMs: 5 });
    const input = texts(0, 10);
    assert.deepEqual(await b.embed(input), expected(input));
    assert.deepEqual(inner.calls.map((c) => c.texts.length), [4, 4, 2]);
    assert.deepEqual(b.stats().flushReasons, { size: 2, time: 1, close: 0 });
  });

  it("a caller's abort rejects only that caller; the batch it shared still serves the others", async () => {
    const inner = new RecordingEmbedder();
    inner.hold = true;
    const b = make(inner, { batchSize: 4, batchWaitMs: 600_000 });
    const ac = new AbortController();
    const leaving = b.embed(texts(1, 2), ac.signal);
    const staying = b.embed(texts(2, 2));
    await until('the batch to reach the embedder', () => inner.calls.length === 1);
    ac.abort();
    await rejectsWith(leaving, 'ERR_ABORTED', true);
    assert.equal(inner.calls[0]!.signal?.aborted, false, 'the batch goes on for the other caller');
    inner.calls[0]!.finish();
    assert.deepEqual(await staying, expected(texts(2, 2)));
  });

  it('cancels a batch in flight once every caller in it has aborted', async () => {
    const inner = new RecordingEmbedder();
    inner.hold = true;
    const b = make(inner, { batchSize: 2, batchWaitMs: 600_000 });
    const a1 = new AbortController();
    const a2 = new AbortController();
    const p1 = b.embed(['one'], a1.signal);
    const p2 = b.embed(['two'], a2.signal);
    await until('the batch to reach the embedder', () => inner.calls.length === 1);
    a1.abort();
    a2.abort();
    await rejectsWith(p1, 'ERR_ABORTED');
    await rejectsWith(p2, 'ERR_ABORTED');
    assert.equal(inner.calls[0]!.signal?.aborted, true);
  });

  it('takes an aborted caller out of the queue: its texts are never sent', async () => {
    const inner = new RecordingEmbedder();
    const b = make(inner, { batchSize: 100, batchWaitMs: 600_000 });
    const ac = new AbortController();
    const gone = b.embed(texts(1, 5), ac.signal);
    const kept = b.embed(texts(2, 2));
    assert.equal(b.stats().pending, 7);
    ac.abort();
    await rejectsWith(gone, 'ERR_ABORTED');
    assert.equal(b.stats().pending, 2);
    b.tune({ batchWaitMs: 0 });
    assert.deepEqual(await kept, expected(texts(2, 2)));
    assert.deepEqual(inner.calls.map((c) => c.texts), [texts(2, 2)]);
  });

  it('tune() changes batch size and wait live, and refuses bad values with ERR_TUNE_INVALID', async () => {
    const inner = new RecordingEmbedder();
    const b = make(inner, { batchSize: 100, batchWaitMs: 600_000 });
    const ps = [b.embed(texts(1, 2)), b.embed(texts(2, 2)), b.embed(texts(3, 2))];
    assert.equal(inner.calls.length, 0);
    assert.deepEqual(b.tune({ batchSize: 4 }), { batchSize: 4, batchWaitMs: 600_000 });
    assert.equal(inner.calls.length, 1, 'the 6 waiting texts hold a full batch of 4: sent at once');
    assert.equal(inner.calls[0]!.texts.length, 4);
    assert.equal(b.stats().pending, 2);
    b.tune({ batchWaitMs: 1 });
    const out = await Promise.all(ps);
    out.forEach((r, i) => assert.deepEqual(r, expected(texts(i + 1, 2))));
    assert.deepEqual(inner.calls.map((c) => c.texts.length), [4, 2]);
    await assert.rejects(async () => b.tune({ batchSize: 0 }), (e: unknown) => e instanceof DocflowError && e.code === 'ERR_TUNE_INVALID');
    await assert.rejects(async () => b.tune({ batchWaitMs: -1 }), (e: unknown) => e instanceof DocflowError && e.code === 'ERR_TUNE_INVALID');
    await assert.rejects(async () => b.tune({ concurrency: 3 } as never), /unknown embed batcher setting "concurrency"/);
    assert.deepEqual(b.settings, { batchSize: 4, batchWaitMs: 1 });
  });

  it('a refusal caused by one caller fails only that caller (re-run alone) against a real server', async () => {
    const server = await startEmbeddingsServer({ dimension: DIM, rejectInputContaining: 'POISON' });
    const e = httpEmbedder({ url: server.url, model: 'm', retryBaseDelayMs: 5 });
    try {
      const b = make(e, { batchSize: 64, batchWaitMs: 10 });
      const good = texts(1, 3);
      const [ok, bad, ok2] = await Promise.allSettled([b.embed(good), b.embed(['fine', 'POISON pill']), b.embed(['also fine'])]);
      assert.equal(ok.status, 'fulfilled');
      assert.deepEqual(ok.status === 'fulfilled' && ok.value, expected(good));
      assert.equal(ok2.status, 'fulfilled');
      assert.equal(bad.status, 'rejected');
      assert.equal(bad.status === 'rejected' && (bad.reason as DocflowError).code, 'ERR_EMBED_PROVIDER');
      assert.equal(server.calls, 4, 'one shared batch, then each caller alone');
      assert.equal(b.stats().batches, 1);
      assert.equal(b.stats().isolatedReruns, 3);
    } finally {
      await e.close();
      await server.close();
    }
  });

  it('a failure that is nobody in particular fails every caller of the batch, once', async () => {
    const server = await startEmbeddingsServer({ dimension: DIM, apiKey: 'sk-x' });
    const e = httpEmbedder({ url: server.url, model: 'm' });
    try {
      const b = make(e, { batchSize: 64, batchWaitMs: 10 });
      const [p, q] = [b.embed(['a']), b.embed(['b'])];
      await rejectsWith(p, 'ERR_EMBED_AUTH', false);
      await rejectsWith(q, 'ERR_EMBED_AUTH', false);
      assert.equal(server.calls, 1);
    } finally {
      await e.close();
      await server.close();
    }
  });

  it('fails its callers when the embedder returns the wrong number of vectors', async () => {
    const broken: Embedder = { model: 'x', dimension: DIM, embed: async () => [] };
    const b = make(broken, { batchSize: 64, batchWaitMs: 1 });
    await rejectsWith(b.embed(['a']), 'ERR_EMBED_BAD_RESPONSE');
  });

  it('close() sends what waits, lets it finish, then refuses new texts', async () => {
    const inner = new RecordingEmbedder();
    const b = make(inner, { batchSize: 100, batchWaitMs: 600_000 });
    const p = b.embed(texts(1, 3));
    await b.close();
    assert.deepEqual(await p, expected(texts(1, 3)));
    assert.deepEqual(b.stats().flushReasons, { size: 0, time: 0, close: 1 });
    await rejectsWith(b.embed(['late']), 'ERR_ABORTED', true, /closed/);
    assert.deepEqual(await b.embed([]).catch(() => 'refused'), 'refused');
  });

  it('validates its settings, naming the field', () => {
    const inner = new RecordingEmbedder();
    assert.throws(() => new EmbedBatcher(inner, { batchSize: 0 }), /settings\.batchSize must be a positive integer/);
    assert.throws(() => new EmbedBatcher(inner, { batchWaitMs: -1 }), /settings\.batchWaitMs must be a non-negative integer/);
    assert.throws(() => new EmbedBatcher({} as Embedder), /embedder must be an Embedder/);
  });
});
