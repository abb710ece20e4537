import assert from 'node:assert/strict';
import { createServer } from 'node:net';
import { createEmbedder, hashEmbedPacked, httpEmbedder, type HttpEmbedder } from '../../src/embed/index.js';
import type { HttpEmbedderOptions } from '../../src/embed/index.js';
import { startEmbeddingsServer, type EmbeddingsServer } from '../fixtures/embeddings-server.js';
import { rejectsWith, textOf } from './helpers.js';

const DIM = 16;

/** What the test server answers for `texts`. */
function expected(texts: string[], dim = DIM): Float32Array[] {
  const packed = hashEmbedPacked(texts, dim);
  return texts.map((_, i) => packed.slice(i * dim, (i + 1) * dim));
}

const texts = (n: number, prefix = 'text'): string[] => Array.from({ length: n }, (_, i) => `${prefix} number ${i}`);

/** A port nothing listens on. */
async function closedPort(): Promise<number> {
  const s = createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  const { port } = s.address() as { port: number };
  await new Promise<void>((r) => s.close(() => r()));
  return port;
}

describe('http embedder', function () {
  this.timeout(20_000);
  let server: EmbeddingsServer;
  const open: HttpEmbedder[] = [];
  const make = (opts: Partial<HttpEmbedderOptions> = {}): HttpEmbedder => {
    const e = httpEmbedder({ url: server.url, model: 'test-model', retryBaseDelayMs: 5, retryMaxDelayMs: 50, ...opts });
    open.push(e);
    return e;
  };

  beforeEach(async () => { server = await startEmbeddingsServer({ dimension: DIM }); });
  afterEach(async () => {
    await Promise.all(open.splice(0).map((e) => e.close()));
    await server.close();
  });

  it('embeds through POST {url}/embeddings, learns the dimension, and keeps input order', async () => {
    server.setBehaviour({ shuffle: true });
    const e = make();
    assert.equal(e.model, 'test-model');
    assert.equal(e.dimension, 0, 'unknown before the first reply');
    const input = texts(5);
    assert.deepEqual(await e.embed(input), expected(input));
    assert.equal(e.dimension, DIM);
    assert.equal(server.calls, 1);
    assert.equal(server.requests[0]?.model, 'test-model');
    assert.equal(server.requests[0]?.authorization, undefined, 'no key, no header');
    assert.deepEqual(await e.embed([]), []);
    assert.equal(server.calls, 1, 'nothing to embed, no request');
  });

  it('batches by item count', async () => {
    const e = make({ maxBatchItems: 3 });
    const input = texts(10);
    assert.deepEqual(await e.embed(input), expected(input));
    assert.equal(server.calls, 4);
    assert.deepEqual(server.requests.map((r) => r.inputs).sort(), [1, 3, 3, 3]);
    assert.equal(server.inputs, 10);
  });

  it('batches by estimated tokens, a text over the limit going alone', async () => {
    const e = make({ maxBatchTokens: 25 });
    const input = [textOf(40, 'a'), textOf(40, 'b'), textOf(40, 'c'), textOf(40, 'd'), textOf(400, 'long'), textOf(40, 'e')];
    assert.deepEqual(await e.embed(input), expected(input));
    assert.deepEqual(server.requests.map((r) => r.inputs).sort(), [1, 1, 2, 2]);
  });

  it('sends the API key as a Bearer token', async () => {
    server.setBehaviour({ apiKey: 'sk-test-123' });
    const e = make({ apiKey: 'sk-test-123' });
    await e.embed(['hello']);
    assert.equal(server.requests[0]?.authorization, 'Bearer sk-test-123');
  });

  it('fails with ERR_EMBED_AUTH on 401 and 403, without retrying and without the key in the message', async () => {
    server.setBehaviour({ apiKey: 'sk-right' });
    await rejectsWith(make().embed(['x']), 'ERR_EMBED_AUTH', false, /HTTP 401.*embed\.http\.apiKey/);
    // The server echoes the wrong key in its error body.
    const err = await rejectsWith(make({ apiKey: 'sk-wrong-secret' }).embed(['x']), 'ERR_EMBED_AUTH', false, /HTTP 403/);
    assert.ok(!err.message.includes('sk-wrong-secret'), err.message);
    assert.ok(!JSON.stringify(err.toInfo()).includes('sk-wrong-secret'));
    assert.equal(server.calls, 2);
  });

  it('retries 500s with backoff, then succeeds', async () => {
    server.setBehaviour({ failFirst: 2 });
    const e = make();
    assert.deepEqual(await e.embed(['a', 'b']), expected(['a', 'b']));
    assert.equal(server.calls, 3);
    assert.equal(e.stats().retries, 2);
  });

  it('gives up after maxRetries with ERR_EMBED_PROVIDER (retryable)', async () => {
    server.setBehaviour({ failFirst: 100 });
    await rejectsWith(make({ maxRetries: 2 }).embed(['a']), 'ERR_EMBED_PROVIDER', true, /HTTP 500.*gave up after 3 attempts/);
    assert.equal(server.calls, 3);
  });

  it('gives up on endless 429s with ERR_EMBED_RATE_LIMITED (retryable)', async () => {
    server.setBehaviour({ rateLimitFirst: 100, retryAfterSec: 0 });
    const e = make({ maxRetries: 2 });
    await rejectsWith(e.embed(['a']), 'ERR_EMBED_RATE_LIMITED', true, /429/);
    assert.equal(server.calls, 3);
    assert.equal(e.stats().rateLimited, 3);
  });

  it('waits for Retry-After before retrying a 429', async () => {
    server.setBehaviour({ rateLimitFirst: 1, retryAfterSec: 1 });
    const e = make({ maxConcurrency: 1, retryMaxDelayMs: 5000 });
    assert.deepEqual(await e.embed(['a']), expected(['a']));
    const [first, second] = server.requests;
    assert.equal(first?.status, 429);
    assert.equal(second?.status, 200);
    const gap = second!.at - first!.at;
    assert.ok(gap >= 950, `retried after ${gap.toFixed(0)} ms, before the 1 s the server asked for`);
  });

  it('caps a long Retry-After at retryMaxDelayMs', async () => {
    server.setBehaviour({ rateLimitFirst: 1, retryAfterSec: 3600 });
    const e = make({ maxConcurrency: 1, retryMaxDelayMs: 50 });
    assert.deepEqual(await e.embed(['a']), expected(['a']));
    assert.equal(server.calls, 2);
  });

  it('halves concurrency on a burst of 429s (once), and still embeds every text', async () => {
    server.setBehaviour({ rateLimitFirst: 4, delayMs: 20 });
    const e = make({ maxConcurrency: 4, maxBatchItems: 1 });
    const input = texts(16);
    assert.deepEqual(await e.embed(input), expected(input));
    const s = e.stats();
    assert.equal(s.rateLimited, 4);
    assert.equal(s.concurrencyDecreases, 1, 'four 429s from one burst are one signal');
    assert.equal(server.requests.filter((r) => r.status === 200).length, 16);
    const firstOk = server.requests.findIndex((r) => r.status === 200);
    assert.ok(firstOk >= 4);
    assert.ok(server.requests[firstOk]!.concurrent <= 2, `after the burst, ${server.requests[firstOk]!.concurrent} requests at once`);
    assert.ok(server.maxConcurrent <= 4);
  });

  it('rides out a server that rate-limits every third request', async () => {
    server.setBehaviour({ rateLimitEvery: 3, retryAfterSec: 0 });
    const e = make({ maxBatchItems: 2 });
    const input = texts(20);
    assert.deepEqual(await e.embed(input), expected(input));
    assert.equal(server.requests.filter((r) => r.status === 200).length, 10);
    assert.equal(e.stats().rateLimited, server.requests.filter((r) => r.status === 429).length);
    assert.ok(e.stats().rateLimited >= 3);
  });

  it('treats 503 as overload too: retried, concurrency halved', async () => {
    server.setBehaviour({ failFirst: 1, failStatus: 503, retryAfterSec: 0 });
    const e = make({ maxConcurrency: 4 });
    assert.deepEqual(await e.embed(['a']), expected(['a']));
    assert.equal(e.stats().concurrencyDecreases, 1);
    assert.equal(e.stats().concurrency, 2);
  });

  it('does not retry a request the server refuses (400): ERR_EMBED_PROVIDER, not retryable', async () => {
    server.setBehaviour({ rejectInputContaining: 'POISON' });
    await rejectsWith(make().embed(['ok', 'POISON']), 'ERR_EMBED_PROVIDER', false, /HTTP 400.*input too long/);
    assert.equal(server.calls, 1);
  });

  for (const kind of ['not-json', 'no-data', 'wrong-count', 'nan', 'null-value', 'string-values', 'bad-index'] as const) {
    it(`fails a malformed reply (${kind}) with ERR_EMBED_BAD_RESPONSE, without retrying`, async () => {
      server.setBehaviour({ malformed: kind });
      await rejectsWith(make().embed(['a', 'b']), 'ERR_EMBED_BAD_RESPONSE', false);
      assert.equal(server.calls, 1);
    });
  }

  it('fails a vector of another dimension than configured with ERR_EMBED_DIMENSION', async () => {
    const err = await rejectsWith(make({ dimension: 32 }).embed(['a']), 'ERR_EMBED_DIMENSION', false, /dimension 16, expected 32/);
    assert.deepEqual(err.details, { expected: 32, got: 16 });
  });

  it('fails with ERR_EMBED_DIMENSION when the model changes dimension after the first reply', async () => {
    const e = make();
    await e.embed(['a']);
    server.setBehaviour({ wrongDimension: 8 });
    await rejectsWith(e.embed(['b']), 'ERR_EMBED_DIMENSION', false);
    assert.equal(e.dimension, DIM);
  });

  it('aborts a request in flight with ERR_ABORTED, and sends nothing for an aborted signal', async () => {
    server.setBehaviour({ delayMs: 10_000 });
    const e = make();
    const ac = new AbortController();
    const p = e.embed(['a'], ac.signal);
    while (server.calls === 0) await new Promise((r) => setTimeout(r, 5));
    ac.abort();
    await rejectsWith(p, 'ERR_ABORTED', true);
    assert.equal(e.stats().inFlight, 0);
    await rejectsWith(e.embed(['b'], AbortSignal.abort()), 'ERR_ABORTED', true);
    assert.equal(server.calls, 1);
  });

  it('aborts while waiting to retry', async () => {
    server.setBehaviour({ rateLimitFirst: 1, retryAfterSec: 10 });
    const e = make({ retryMaxDelayMs: 20_000 });
    const ac = new AbortController();
    const p = e.embed(['a'], ac.signal);
    while (server.requests[0]?.status !== 429) await new Promise((r) => setTimeout(r, 5));
    ac.abort();
    await rejectsWith(p, 'ERR_ABORTED', true);
    assert.equal(server.calls, 1);
  });

  it('times out a slow request and retries it', async () => {
    server.setBehaviour({ delayMs: 5000 });
    await rejectsWith(make({ timeoutMs: 100, maxRetries: 1 }).embed(['a']), 'ERR_EMBED_PROVIDER', true, /no reply within 100 ms.*2 attempts/);
    assert.equal(server.calls, 2);
  });

  it('retries a server that is not there, then fails with ERR_EMBED_PROVIDER (retryable)', async () => {
    const port = await closedPort();
    const e = httpEmbedder({ url: `http://127.0.0.1:${port}/v1`, model: 'm', maxRetries: 1, retryBaseDelayMs: 5 });
    open.push(e);
    await rejectsWith(e.embed(['a']), 'ERR_EMBED_PROVIDER', true, /could not reach.*ECONNREFUSED/);
    assert.equal(e.stats().requests, 2);
  });

  it('stops every batch of a call once one fails for good', async () => {
    server.setBehaviour({ rejectInputContaining: 'POISON', delayMs: 30 });
    const e = make({ maxBatchItems: 1, maxConcurrency: 1 });
    await rejectsWith(e.embed(['POISON', 'b', 'c', 'd', 'e']), 'ERR_EMBED_PROVIDER', false);
    await new Promise((r) => setTimeout(r, 100));
    assert.equal(server.calls, 1, 'the other four were never sent');
  });

  it('close() aborts what is in flight and refuses new work', async () => {
    server.setBehaviour({ delayMs: 10_000 });
    const e = make();
    const p = e.embed(['a']);
    while (server.calls === 0) await new Promise((r) => setTimeout(r, 5));
    await e.close();
    await rejectsWith(p, 'ERR_ABORTED', true, /closed/);
    await rejectsWith(e.embed(['b']), 'ERR_ABORTED', true, /closed/);
    await e.close();
  });

  it('validates its options, naming the field', () => {
    assert.throws(() => httpEmbedder({ url: 'ftp://x', model: 'm' }), /options\.url must be an http\(s\) URL/);
    assert.throws(() => httpEmbedder({ url: 'nonsense', model: 'm' }), /options\.url must be an http\(s\) URL/);
    assert.throws(() => httpEmbedder({ url: 'http://x/v1', model: '' }), /options\.model must be a non-empty string/);
    assert.throws(() => httpEmbedder({ url: 'http://x/v1', model: 'm', maxConcurrency: 0 }), /options\.maxConcurrency must be a positive integer/);
    assert.throws(() => httpEmbedder({ url: 'http://x/v1', model: 'm', dimension: -1 }), /options\.dimension must be a positive integer/);
    assert.throws(() => httpEmbedder({ url: 'http://x/v1', model: 'm', retryBaseDelayMs: 100, retryMaxDelayMs: 10 }), /retryMaxDelayMs must be at least/);
  });
});

describe('createEmbedder', () => {
  it('makes the hash embedder or an http one from config, and refuses an unknown provider', async () => {
    const h = createEmbedder({ provider: 'hash', dimension: 64 });
    assert.equal(h.model, 'hash-v1');
    assert.equal(h.dimension, 64);
    const server = await startEmbeddingsServer({ dimension: 8 });
    try {
      const e = createEmbedder({ provider: 'http', url: `${server.url}/`, model: 'm', dimension: 8 });
      assert.equal(e.dimension, 8);
      assert.deepEqual(await e.embed(['x']), expected(['x'], 8));
      await e.close?.();
    } finally {
      await server.close();
    }
    assert.throws(() => createEmbedder({ provider: 'onnx' } as never), /cfg\.provider must be 'hash' or 'http'/);
  });
});
