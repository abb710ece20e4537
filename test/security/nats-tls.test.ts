/**
 * Security defaults, item 2 (issue #7): the bus exposed beyond loopback runs with TLS and one user per
 * role, as config/nats-secure.example.conf shows. A real nats-server runs that file (with a throwaway
 * certificate); `docflow up` runs the stages as `worker` over TLS, `docflow ingest` and `docflow search`
 * run as `ingest`, and the ingest user is refused everything else. Each role has its own reply-inbox
 * prefix (`nats.inboxPrefix`): the ingest user cannot subscribe to the workers' inboxes, where JetStream
 * delivers the documents they pull. That the default server needs credentials beyond loopback is in
 * loopback.test.ts.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { connect as tcpConnect } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { connect, type NatsConnection } from '@nats-io/transport-node';
import { jetstream, jetstreamManager } from '@nats-io/jetstream';
import { PACKAGE_ROOT } from '../../src/config/load.js';
import { startNatsServer, type RunningNatsServer } from '../../src/embedded/nats-server.js';
import { startTestChroma, type ChromaHarness } from '../harness/chroma.js';
import { startTestPostgres, type PostgresHarness } from '../harness/postgres.js';
import { waitFor } from '../harness/streams.js';
import { docflow, docflowUp, selfSignedCertificate, type DocflowUp } from './cli.js';

const EXAMPLE = resolve(PACKAGE_ROOT, 'config', 'nats-secure.example.conf');
const password = () => randomBytes(18).toString('base64url');
/** The ingest role's reply-inbox prefix, as the example file lets it subscribe to (`_INBOX_ingest.>`). */
const INGEST_INBOX = '_INBOX_ingest';

describe('security 2: TLS and per-user subject permissions (config/nats-secure.example.conf)', function () {
  this.timeout(120_000);
  let dir: string;
  let tls: { cert: string; key: string };
  let server: RunningNatsServer;
  let pg: PostgresHarness;
  let chroma: ChromaHarness;
  let up: DocflowUp;
  let ingest: NatsConnection;
  let worker: NatsConnection;
  const worker_ = { user: 'worker', pass: password() };
  const ingest_ = { user: 'ingest', pass: password() };
  let workerEnv: Record<string, string>;
  let ingestEnv: Record<string, string>;
  const docs = () => join(dir, 'docs');

  const client = (creds: { user?: string; pass?: string }, opts: { ca?: boolean; inboxPrefix?: string } = {}) =>
    connect({ servers: server.url, ...creds, ...(opts.ca === false ? {} : { tls: { caFile: tls.cert } }), inboxPrefix: opts.inboxPrefix, reconnect: false, timeout: 5_000 });

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'docflow-sec-tls-'));
    mkdirSync(docs());
    tls = await selfSignedCertificate(dir);
    // The example file as is: every interface, TLS, the two users; docflow's launcher only picks free ports.
    server = await startNatsServer({
      configFile: EXAMPLE, workDir: join(dir, 'nats'), host: '0.0.0.0', user: worker_.user, password: worker_.pass,
      env: { DOCFLOW_TLS_CERT: tls.cert, DOCFLOW_TLS_KEY: tls.key, DOCFLOW_INGEST_PASSWORD: ingest_.pass },
    });
    assert.match(server.url, /^tls:\/\//, 'the server announces TLS');
    [pg, chroma] = await Promise.all([startTestPostgres(), startTestChroma()]);
    // What the README tells a user to set: the server, the role's credentials, and trust in the private CA.
    const common = { DOCFLOW_NATS_URL: server.url, NODE_EXTRA_CA_CERTS: tls.cert, DOCFLOW_DATA_DIR: join(dir, 'data') };
    workerEnv = { ...common, DOCFLOW_NATS_USER: worker_.user, DOCFLOW_NATS_PASSWORD: worker_.pass };
    ingestEnv = { ...common, DOCFLOW_NATS_USER: ingest_.user, DOCFLOW_NATS_PASSWORD: ingest_.pass, DOCFLOW_NATS_INBOX_PREFIX: INGEST_INBOX };
    worker = await client(worker_);
    ingest = await client(ingest_, { inboxPrefix: INGEST_INBOX });
    // Big chunks and no knowledge branch: the claim-checked document is quick to index.
    writeFileSync(join(dir, 'docflow.yaml'), 'split: { unit: chars, chunkSize: 50000, chunkOverlap: 0 }\nknowledge: { enabled: false }\n');
    up = await docflowUp({
      ...workerEnv, DOCFLOW_CONFIG: join(dir, 'docflow.yaml'), DOCFLOW_POSTGRES_URL: pg.url, DOCFLOW_CHROMA_URL: chroma.url, DOCFLOW_LOAD_ROOTS: docs(), DOCFLOW_METRICS_PORT: '0',
    }, dir, async () => (await worker.request('docflow.status', '{}', { timeout: 1_000 })).data.length > 0);
  });
  after(async () => {
    await up?.stop();
    await ingest?.close();
    await worker?.close();
    await Promise.all([chroma?.[Symbol.asyncDispose](), pg?.[Symbol.asyncDispose]()]);
    await server?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('the server requires TLS: a plaintext client is cut off before it can do anything', async () => {
    const { info, rest } = await plaintextSession(server.port, `CONNECT ${JSON.stringify({ ...ingest_, verbose: false, tls_required: false })}\r\nPING\r\n`);
    assert.match(info, /"tls_required":true/);
    assert.doesNotMatch(rest, /PONG/, 'no command is served in clear text');
  });

  it('a client that trusts the certificate connects over TLS; one that does not, or has no or wrong credentials, is refused', async () => {
    assert.equal(ingest.info?.tls_required, true);
    await assert.rejects(client(ingest_, { ca: false }), /self-signed certificate/);
    await assert.rejects(client({}), (e: Error) => e.name === 'AuthorizationError');
    await assert.rejects(client({ user: 'ingest', pass: 'wrong' }), (e: Error) => e.name === 'AuthorizationError');
  });

  it('docflow up runs every stage as `worker`; docflow ingest and search run as `ingest` (small and claim-checked documents)', async () => {
    writeFileSync(join(docs(), 'tls.txt'), 'Quokkas carry encrypted parcels between wombat burrows.');
    // Over max_payload once loaded: the document goes from load to extract by claim check (object store).
    // (Random text: docflow would LZ4-compress anything repetitive below max_payload.)
    writeFileSync(join(docs(), 'big.txt'), randomBytes(1_000_000).toString('base64').replace(/.{76}/g, '$& \n'));
    for (const args of [['tls.txt'], ['big.txt', '--collection', 'manuals']]) {
      const ran = await docflow(['ingest', join(docs(), args[0]!), ...args.slice(1)], ingestEnv);
      assert.equal(ran.code, 0, `docflow ingest ${args.join(' ')} as ingest:\n${ran.stdout}\n${ran.stderr}\n--- docflow up:\n${up.output().slice(-4000)}`);
    }
    const claims = await jetstreamManager(worker).then((jsm) => jsm.streams.info('OBJ_docflow-bodies'));
    assert.ok(claims.state.messages > 0, 'the big document travelled by claim check, with the worker\'s permissions');
    const found = await docflow(['search', '--json', '-k', '1', 'quokkas wombat burrows'], ingestEnv);
    assert.equal(found.code, 0, found.stderr);
    assert.match(found.stdout, /Quokkas carry encrypted parcels/);
  });

  it('the ingest user publishes on docflow.ingest (JetStream stores it) and subscribes to results', async () => {
    const ack = await jetstream(ingest).publish('docflow.ingest', JSON.stringify({ id: 'tls-json', text: 'published by the ingest role' }));
    assert.equal(ack.stream, 'DOCFLOW_INGEST');
    const sub = ingest.subscribe('docflow.results.tls-json', { max: 1 });
    await ingest.flush();
    assert.equal(sub.isClosed(), false);
    sub.unsubscribe();
  });

  it('the ingest user cannot publish on stage, dead-letter or control subjects, nor touch the JetStream API', async () => {
    const marker = `forged-${randomBytes(6).toString('hex')}`;
    const seenByWorkers: string[] = [];
    const tap = worker.subscribe('docflow.>', { callback: (_e, m) => { if (m.string().includes(marker)) seenByWorkers.push(m.subject); } });
    const violations: string[] = [];
    const watching = (async () => {
      for await (const s of ingest.status()) if (s.type === 'error' && s.error.name === 'PermissionViolationError') violations.push((s.error as Error & { subject: string }).subject);
    })();
    const stageSubjects = ['docflow.stage.extract.normal', 'docflow.stage.index.critical', 'docflow.dlq.load', 'docflow.results.someone-else'];
    for (const subject of stageSubjects) ingest.publish(subject, marker);
    // Requests: a JetStream publish to a stage, a tune, stream deletion: each refused by the server.
    const refused = async (p: Promise<unknown>) => assert.rejects(p, /Permissions Violation for Publish/);
    await refused(jetstream(ingest).publish('docflow.stage.extract.normal', marker, { timeout: 2_000 }));
    await refused(ingest.request('docflow.control.tune', JSON.stringify({ stage: 'load', settings: { concurrency: 1 } }), { timeout: 2_000 }));
    await refused(ingest.request('docflow.status', '{}', { timeout: 2_000 }));
    // the per-process subjects behind docflow.status and docflow.control.tune are the workers' too
    await refused(ingest.request('docflow.node.tune', JSON.stringify({ stage: 'load', settings: { concurrency: 1 } }), { timeout: 2_000 }));
    await refused(ingest.request('docflow.node.status', '{}', { timeout: 2_000 }));
    await refused(ingest.request('$JS.API.STREAM.DELETE.DOCFLOW_INGEST', '', { timeout: 2_000 }));
    await ingest.flush();
    await worker.flush();
    assert.deepEqual(seenByWorkers, [], 'no forged message reached any docflow subject');
    for (const subject of stageSubjects) assert.ok(violations.includes(subject), `the server reported the publish to ${subject} (${violations.join(', ')})`);
    tap.unsubscribe();
    void watching;
  });

  it('the ingest user cannot read what flows between stages or the dead letters', async () => {
    for (const subject of ['docflow.stage.>', 'docflow.dlq.>', 'docflow.ingest']) {
      const sub = ingest.subscribe(subject);
      await assert.rejects((async () => { for await (const _ of sub) break; })(), /Permissions Violation for Subscription/, subject);
    }
  });

  it('the ingest user cannot subscribe to the workers\' inboxes, and does not see the documents they pull', async () => {
    const tapAll = ingest.subscribe('_INBOX.>');
    await assert.rejects((async () => { for await (const _ of tapAll) break; })(), /Permissions Violation for Subscription to "_INBOX\.>"/);
    // A document goes through the stages while the ingest user listens on every inbox it may (its
    // role's) and a worker on the workers': only the worker's tap carries the document's text.
    const marker = `Platypus-${randomBytes(6).toString('hex')}`;
    const tap = (nc: NatsConnection, subject: string) => {
      const heard = { messages: 0, withText: [] as string[] };
      const sub = nc.subscribe(subject, { callback: (_e, m) => { heard.messages++; if (Buffer.from(m.data).includes(marker)) heard.withText.push(m.subject); } });
      return { heard, sub };
    };
    const byIngest = tap(ingest, `${INGEST_INBOX}.>`);
    const byWorkers = tap(worker, '_INBOX.>');
    await Promise.all([ingest.flush(), worker.flush()]);
    writeFileSync(join(docs(), 'inbox.txt'), `${marker} keeps the wombats' letters unread.`);
    const ran = await docflow(['ingest', join(docs(), 'inbox.txt')], ingestEnv);
    assert.equal(ran.code, 0, `docflow ingest as ingest:\n${ran.stdout}\n${ran.stderr}`);
    await waitFor('the workers to pull the document', () => byWorkers.heard.withText.length > 0, 30_000, 100);
    await ingest.flush();
    byIngest.sub.unsubscribe();
    byWorkers.sub.unsubscribe();
    assert.ok(byWorkers.heard.withText.some((s) => s.startsWith('docflow.stage.')), `a stage message carried the text to a worker's inbox (${byWorkers.heard.withText.join(', ')})`);
    assert.ok(byIngest.heard.messages > 0, 'the ingest tap heard its role\'s replies (the ack of docflow ingest\'s publish)');
    assert.deepEqual(byIngest.heard.withText, [], 'no message with the document\'s text reached the ingest user');
  });

  it('an ingest client without its inbox prefix fails at once and says what to set', async () => {
    const noPrefix = Object.fromEntries(Object.entries(ingestEnv).filter(([name]) => name !== 'DOCFLOW_NATS_INBOX_PREFIX'));
    const ran = await docflow(['search', 'quokkas'], noPrefix, 20_000);
    assert.ok(ran.code > 0, `it exits with an error (${ran.code}; -1 = killed at the timeout)`);
    assert.match(ran.stderr, /subscribe to its reply inboxes \(_INBOX\.[^)]*\): set nats\.inboxPrefix \(DOCFLOW_NATS_INBOX_PREFIX\)/, ran.stderr);
  });

  it('a docflow command the ingest user is not allowed (status) fails and says why', async () => {
    const status = await docflow(['status'], ingestEnv);
    assert.notEqual(status.code, 0);
    assert.match(status.stderr, /Permissions Violation for Publish to "docflow.status"/, status.stderr);
    // A refusal, not an outage: its own code, which no caller retries.
    assert.match(status.stderr, /ERR_TRANSPORT_PERMISSION/, status.stderr);
    assert.doesNotMatch(status.stderr, /ERR_TRANSPORT_CLOSED/, status.stderr);
  });
});

/** A clear-text session: the server's INFO line, then whatever it answers to `send` before it closes. */
function plaintextSession(port: number, send: string): Promise<{ info: string; rest: string }> {
  return new Promise((done, fail) => {
    const sock = tcpConnect({ host: '127.0.0.1', port });
    let info = '';
    let rest = '';
    const timer = setTimeout(() => { sock.destroy(); done({ info, rest }); }, 3_000);
    sock.on('data', (d) => {
      if (!info) {
        info = d.toString();
        sock.write(send);
      } else rest += d.toString('latin1');
    });
    sock.once('close', () => { clearTimeout(timer); done({ info, rest }); });
    sock.once('error', (e) => { clearTimeout(timer); if (info) done({ info, rest }); else fail(e); });
  });
}
