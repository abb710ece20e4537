/**
 * Security defaults, item 6 (issue #7): no secret in logs or status output. A node runs with a
 * password in every place one can be (NATS user and password, a PostgreSQL URL, a Redis URL, an
 * embedding API key), logging at debug level, through success and failure paths (a provider that
 * echoes the key it refused, Redis refusing a changed password, a bad NATS password); the captured
 * log, the status reply, the metrics and the commands' output must not hold any of them.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { connect as tcpConnect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { IngestRun } from '../../src/client/ingest-run.js';
import { loadConfig, redactConfig } from '../../src/config/load.js';
import { DocflowError } from '../../src/errors/index.js';
import { createLogger } from '../../src/log.js';
import { DeadLetter, StatusReply, StatusRequest } from '../../src/messages/index.js';
import { SearchReply, SearchRequest } from '../../src/messages/pipeline.js';
import { ALL_STAGES } from '../../src/pipeline/stages.js';
import { DocflowNode } from '../../src/runtime/node.js';
import { Transport } from '../../src/transport/index.js';
import { startEmbeddingsServer, type EmbeddingsServer } from '../fixtures/embeddings-server.js';
import { startTestChroma, type ChromaHarness } from '../harness/chroma.js';
import { startNats, testConfig, type NatsHarness } from '../harness/nats.js';
import { startTestPostgres, type PostgresHarness } from '../harness/postgres.js';
import { startRedis, type RedisHarness } from '../harness/redis.js';
import { readStream, waitFor } from '../harness/streams.js';
import { docflow } from './cli.js';

const secret = (what: string) => `${what}-${randomBytes(12).toString('hex')}`;

/** Send one Redis command in RESP on a fresh connection; its first reply line. */
function redisCommand(port: number, args: readonly string[]): Promise<string> {
  return new Promise((done, fail) => {
    const sock = tcpConnect({ host: '127.0.0.1', port });
    sock.once('connect', () => sock.write(`*${args.length}\r\n${args.map((a) => `$${Buffer.byteLength(a)}\r\n${a}\r\n`).join('')}`));
    sock.once('data', (d) => { sock.destroy(); done(d.toString().split('\r\n')[0]!); });
    sock.once('error', fail);
  });
}

describe('security 6: no secret in logs or status output', function () {
  this.timeout(120_000);
  const natsUser = 'docflow';
  const natsPassword = secret('natspw');
  const redisPassword = secret('redispw');
  const apiKey = secret('sk-apikey');
  let pgPassword: string;
  let secrets: string[];
  let dir: string;
  let nats: NatsHarness;
  let pg: PostgresHarness;
  let chroma: ChromaHarness;
  let redis: RedisHarness;
  let provider: EmbeddingsServer;
  let node: DocflowNode;
  let config: ReturnType<typeof loadConfig>;
  let log = '';
  let redisUrl: string;

  /** Fails naming the secret and the place; also checks the URL-encoded forms. */
  const assertClean = (text: string, where: string) => {
    for (const s of secrets) {
      for (const form of new Set([s, encodeURIComponent(s)])) assert.ok(!text.includes(form), `${where} holds a secret (${s.slice(0, 6)}…):\n${text.slice(Math.max(0, text.indexOf(form) - 300), text.indexOf(form) + 100)}`);
    }
  };

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'docflow-sec-secrets-'));
    [nats, pg, chroma, redis, provider] = await Promise.all([
      startNats({ user: natsUser, password: natsPassword }), startTestPostgres(), startTestChroma(), startRedis(),
      startEmbeddingsServer({ apiKey, dimension: 32 }),
    ]);
    assert.equal(await redisCommand(redis.port, ['CONFIG', 'SET', 'requirepass', redisPassword]), '+OK');
    pgPassword = decodeURIComponent(new URL(pg.url).password);
    assert.ok(pgPassword.length >= 8, 'the harness PostgreSQL has a password in its URL');
    redisUrl = `redis://:${redisPassword}@127.0.0.1:${redis.port}`;
    secrets = [natsPassword, redisPassword, apiKey, pgPassword];
    config = testConfig(nats.url, {
      'nats.user': natsUser, 'nats.password': natsPassword, 'postgres.url': pg.url, 'chroma.url': chroma.url, 'cache.l2.url': redisUrl,
      'embed.provider': 'http', 'embed.dimension': 32, 'embed.http.url': provider.url, 'embed.http.model': 'test-model', 'embed.http.apiKey': apiKey,
      'load.roots': [dir], dataDir: join(dir, 'data'), 'log.level': 'debug', 'metrics.enabled': true, 'metrics.port': 0, 'knowledge.enabled': false,
      'stageDefaults.retryBaseDelayMs': 10,
    });
    const sink = new Writable({ write(chunk: Buffer, _enc, cb) { log += chunk.toString(); cb(); } });
    node = await DocflowNode.start(config, createLogger({ level: 'debug', destination: sink }), { pipeline: ALL_STAGES, queries: true, embeddedStores: false });
  });
  after(async () => {
    await node?.close();
    await provider?.close();
    for (const h of [redis, chroma, pg, nats]) await h?.[Symbol.asyncDispose]();
    rmSync(dir, { recursive: true, force: true });
  });

  it('a document goes through with every credential in use (the provider saw the key)', async () => {
    const t = node.transport;
    const run = new IngestRun(t);
    await run.ready();
    await run.publish([{ msg: { id: 'with-secrets', text: 'Credentials stay out of the logs, whatever happens.' } }]);
    await run.done;
    run.close();
    assert.equal(run.docs.get('with-secrets')?.status, 'indexed', JSON.stringify(run.docs.get('with-secrets')?.error));
    assert.ok(provider.requests.some((r) => r.authorization === `Bearer ${apiKey}`));
    await t.request(t.subject('query.search'), SearchRequest, { text: 'credentials logs' }, SearchReply);
  });

  it('failures are reported without secrets: a provider echoing the refused key, Redis refusing, NATS refusing', async () => {
    const t = node.transport;
    // The provider now wants another key, and says which one it refused (as real providers do, in part).
    provider.setBehaviour({ apiKey: secret('other') });
    const run = new IngestRun(t);
    await run.ready();
    await run.publish([{ msg: { id: 'key-refused', text: 'This one meets a provider that refuses the key.' } }]);
    await run.done;
    run.close();
    const failed = run.docs.get('key-refused');
    assert.equal(failed?.error?.code, 'ERR_EMBED_AUTH');
    assert.ok(provider.requests.some((r) => r.status === 403), 'the provider refused, quoting the key in its body');
    assertClean(JSON.stringify(failed), 'the failed result');
    await waitFor('its dead letter', async () => (await readStream(t, 'DLQ', DeadLetter)).some((d) => d.message.docId === 'key-refused'));
    assertClean(JSON.stringify((await readStream(t, 'DLQ', DeadLetter)).map((d) => d.message.error)), 'the dead letters');
    // Redis: a new password, and the node's connections dropped, so its reconnect is refused.
    assert.equal(await redisCommand(redis.port, ['AUTH', redisPassword]), '+OK');
    const sock = await new Promise<ReturnType<typeof tcpConnect>>((done) => { const s = tcpConnect({ host: '127.0.0.1', port: redis.port }, () => done(s)); });
    sock.write(`AUTH ${redisPassword}\r\nCONFIG SET requirepass ${secret('rotated')}\r\nCLIENT KILL TYPE normal SKIPME yes\r\n`);
    await new Promise((r) => setTimeout(r, 300));
    sock.destroy();
    await node.stores!.cache.set('after-rotation', 'v', { ttlMs: 1_000 }).catch(() => undefined);
    await waitFor('the cache to report Redis degraded', () => (node.stores!.cache.stats().l2 as unknown as { degraded: boolean }).degraded, 10_000);
    // NATS: a client with a wrong password, the credentials in the URL.
    const wrong = testConfig(nats.url.replace('nats://', `nats://${natsUser}:${natsPassword}x@`), { 'nats.maxReconnectAttempts': 0 });
    const err = await Transport.connect(wrong).then(() => undefined, (e: unknown) => e);
    assert.ok(err instanceof DocflowError, String(err));
    assertClean(`${err.message} ${String(err.cause)}`, 'the NATS connection error');
  });

  it('the debug log of all that holds no secret', () => {
    assert.ok(log.split('\n').filter(Boolean).some((l) => l.includes('"level":20')), 'the node logged at debug level');
    assertClean(log, 'the log');
  });

  it('the docflow.status reply and the metrics hold no secret', async () => {
    const t = node.transport;
    const status = await t.request(t.subject('status'), StatusRequest, {}, StatusReply);
    assert.ok(status.stages.length > 0);
    assertClean(JSON.stringify(status), 'the status reply');
    assertClean(await (await fetch(`${node.metricsUrl}/metrics`)).text(), 'the metrics');
    const dashboard = await fetch(`${node.metricsUrl}/api/dashboard`);
    assert.equal(dashboard.status, 200, 'the dashboard is served with the metrics');
    assertClean(await dashboard.text(), 'the dashboard');
  });

  it('the commands (status, status --json, --help) print no secret, with the secrets in their environment; nor does a configuration error', async () => {
    const env = {
      DOCFLOW_NATS_URL: nats.url.replace('nats://', `nats://${natsUser}:${natsPassword}@`), DOCFLOW_NATS_USER: natsUser, DOCFLOW_NATS_PASSWORD: natsPassword,
      DOCFLOW_POSTGRES_URL: pg.url, DOCFLOW_REDIS_URL: redisUrl, DOCFLOW_EMBED_API_KEY: apiKey, DOCFLOW_LOG_LEVEL: 'debug',
      DOCFLOW_SUBJECT_PREFIX: config.subjectPrefix, DOCFLOW_DATA_DIR: join(dir, 'cli'),
    };
    for (const args of [['status'], ['status', '--json'], ['up', '--help'], ['ingest', '--help']]) {
      const out = await docflow(args, env);
      assert.equal(out.code, 0, `docflow ${args.join(' ')}: ${out.stderr}`);
      assertClean(out.stdout + out.stderr, `docflow ${args.join(' ')}`);
    }
    // Wrong types on purpose: the error lists each key with what it got, which must not be the secret
    // (a number is a secret too: YAML reads an unquoted 20-digit token as one).
    const badConfig = join(dir, 'bad.yaml');
    const token = '12345678901234567890';
    secrets.push(token, '12345678901234567');
    writeFileSync(badConfig, `nats:\n  password: [${JSON.stringify(natsPassword)}]\n  token: ${token}\npostgres:\n  url: [${JSON.stringify(pg.url)}]\ncache:\n  l2: { url: { at: ${JSON.stringify(redisUrl)} } }\n`);
    const bad = await docflow(['status', '--config', badConfig], { DOCFLOW_LOG_LEVEL: 'debug' });
    assert.equal(bad.code, 2, bad.stderr);
    assertClean(bad.stdout + bad.stderr, 'the configuration error');
    assert.match(bad.stderr, /nats\.password: must be a string \(got \*\*\*\)/);
    assert.match(bad.stderr, /nats\.token: must be a string \(got \*\*\*\)/);
    assert.match(bad.stderr, /postgres\.url: must be a string \(got \["postgres:\/\/\*\*\*@127\.0\.0\.1/);
  });

  it('the logger itself hides secrets by key and credentials in URL fields (for log calls yet to be written)', () => {
    let out = '';
    const logger = createLogger({ level: 'debug', destination: new Writable({ write(c: Buffer, _e, cb) { out += c.toString(); cb(); } }) });
    logger.info({ password: natsPassword, apiKey, headers: { authorization: `Bearer ${apiKey}` }, url: pg.url, servers: 'ok', config: { nats: { token: redisPassword } } }, 'everything at once');
    logger.debug({ target: redisUrl }, 'a url');
    assertClean(out, 'the log lines');
    assert.match(out, /"url":"postgres:\/\/\*\*\*@127\.0\.0\.1/);
    assert.match(out, /"apiKey":"\*\*\*"/);
  });

  it('redactConfig (for anything that prints the configuration) hides passwords, keys and credentials in URLs', () => {
    const shown = JSON.stringify(redactConfig(config));
    assertClean(shown, 'the redacted configuration');
    assert.match(shown, /"apiKey":"\*\*\*"/);
    assert.match(shown, /redis:\/\/\*\*\*@127\.0\.0\.1/);
  });
});
