/**
 * Security defaults, item 1 (issue #7): every server docflow starts listens on loopback unless
 * configured otherwise, checked on the sockets the kernel reports, not on config text. The
 * adapted-config checks (authorization block kept or dropped) are in test/embedded/nats-server.test.ts;
 * the embedded PostgreSQL's own refusal in test/stores/embedded.test.ts.
 */
import assert from 'node:assert/strict';
import { chmodSync, mkdtempSync, rmSync } from 'node:fs';
import { connect } from 'node:net';
import { networkInterfaces, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { loadConfig, PACKAGE_ROOT } from '../../src/config/load.js';
import { startChroma } from '../../src/embedded/chroma.js';
import { startNatsServer } from '../../src/embedded/nats-server.js';
import { ServiceError } from '../../src/errors/index.js';
import { silentLogger } from '../../src/log.js';
import { ALL_STAGES } from '../../src/pipeline/stages.js';
import { DocflowNode } from '../../src/runtime/node.js';
import { isLoopbackAddress, listeningSockets, type ListeningSocket } from './sockets.js';
import { processTree } from '../harness/proc.js';

/** This machine's addresses that other machines could reach (IPv4 and IPv6, link-local left out). */
function outsideAddresses(): string[] {
  return Object.values(networkInterfaces()).flat()
    .filter((a) => a !== undefined && !a.internal && !(a.family === 'IPv6' && a.address.startsWith('fe80')))
    .map((a) => a!.address);
}

/** 'refused' when nothing accepts a TCP connection on host:port within 2 s, else 'open'. */
function probe(host: string, port: number): Promise<'open' | 'refused'> {
  return new Promise((done) => {
    const sock = connect({ host, port });
    const end = (r: 'open' | 'refused') => {
      sock.destroy();
      done(r);
    };
    sock.setTimeout(2_000, () => end('refused'));
    sock.once('connect', () => end('open'));
    sock.once('error', () => end('refused'));
  });
}

const describeSocket = (s: ListeningSocket) => `${s.address}:${s.port} (pid ${s.pid})`;

describe('security 1: every listener docflow starts binds to loopback by default', function () {
  this.timeout(120_000);
  let dir: string;
  let node: DocflowNode;
  let sockets: ListeningSocket[];

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'docflow-sec-loopback-'));
    // As root, the embedded PostgreSQL runs as `postgres`, which must pass through (as in a user's checkout).
    chmodSync(dir, 0o711);
    // `docflow up` on the defaults: nothing configured by URL, so docflow starts nats-server,
    // PostgreSQL and Chroma itself, and serves metrics. Only the ports are made free ones.
    const config = loadConfig({ env: {}, overrides: { dataDir: join(dir, 'data'), 'load.roots': [dir], 'log.level': 'silent', 'nats.embedded.port': 0, 'metrics.port': 0 } });
    assert.equal(config.metrics.enabled, true, 'metrics are on by default');
    node = await DocflowNode.start(config, silentLogger, { pipeline: ALL_STAGES, queries: true, embeddedStores: true });
    sockets = listeningSockets(processTree(process.pid));
  });
  after(async () => {
    await node?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('the kernel shows each server of the node listening, and only on 127.0.0.1', () => {
    const ports = (url: string | undefined) => Number(new URL(url ?? 'http://x:0').port);
    const stores = node.stores!;
    const expected = {
      'nats client': ports(node.natsUrl), 'nats monitoring': ports(node.natsMonitorUrl), postgres: ports(stores.postgresUrl),
      chroma: ports(stores.chromaUrl), metrics: ports(node.metricsUrl),
    };
    for (const [what, port] of Object.entries(expected)) {
      assert.ok(port > 0, `${what} has a port`);
      const found = sockets.filter((s) => s.port === port);
      assert.ok(found.length > 0, `${what} (port ${port}) is among the listening sockets: ${sockets.map(describeSocket).join(', ')}`);
    }
    const exposed = sockets.filter((s) => !isLoopbackAddress(s.address));
    assert.deepEqual(exposed.map(describeSocket), [], 'no socket of docflow or its children listens beyond loopback');
    // Nothing listens that the test does not know of (a new server must be added here, and checked).
    const known = new Set(Object.values(expected));
    assert.deepEqual(sockets.filter((s) => !known.has(s.port)).map(describeSocket), [], 'no unexpected listener');
  });

  it('from this machine\'s other addresses, every one of those ports refuses connections', async () => {
    const addresses = outsideAddresses();
    // A machine with only a loopback interface has nothing to probe: the socket table above is the proof there.
    for (const address of addresses) {
      for (const s of sockets) assert.equal(await probe(address, s.port), 'refused', `${address}:${s.port}`);
    }
    for (const s of sockets) assert.equal(await probe('127.0.0.1', s.port), 'open', `127.0.0.1:${s.port} (the probe itself works)`);
  });
});

describe('security 1: binding beyond loopback needs credentials (nats) or is refused (chroma)', function () {
  this.timeout(60_000);
  const configFile = resolve(PACKAGE_ROOT, 'nats-server.conf');
  let dir: string;
  beforeEach(() => { dir = mkdtempSync(join(tmpdir(), 'docflow-sec-bind-')); });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  for (const host of ['0.0.0.0', '::', '10.1.2.3']) {
    it(`nats-server on ${host} without credentials is refused before anything starts`, async () => {
      await assert.rejects(startNatsServer({ configFile, workDir: dir, host }), (e: unknown) => e instanceof ServiceError && e.code === 'ERR_SERVICE_INSECURE');
      assert.deepEqual(listeningSockets(processTree(process.pid)).map(describeSocket), [], 'no server was left running');
    });
  }

  it('with credentials it may listen on every address, but monitoring (no auth) stays on 127.0.0.1', async () => {
    const server = await startNatsServer({ configFile, workDir: dir, host: '0.0.0.0', user: 'docflow', password: 'a long random password' });
    try {
      const sockets = listeningSockets([server.pid()!]);
      const client = sockets.find((s) => s.port === server.port);
      const monitor = sockets.find((s) => s.port === Number(new URL(server.monitorUrl).port));
      // Go listens on the dual-stack wildcard for 0.0.0.0.
      assert.ok(client && ['0.0.0.0', '0:0:0:0:0:0:0:0'].includes(client.address), `the client port is open as configured (${client?.address})`);
      assert.ok(monitor && isLoopbackAddress(monitor.address), `monitoring on ${monitor?.address}`);
      for (const address of outsideAddresses()) {
        assert.equal(await probe(address, server.port), 'open', `${address}:${server.port} (clients)`);
        assert.equal(await probe(address, monitor.port), 'refused', `${address}:${monitor.port} (monitoring)`);
      }
      // And the credentials are really required there.
      assert.match(await natsGreeting('127.0.0.1', server.port), /"auth_required":true/);
    } finally {
      await server.stop();
    }
  });

  it('the embedded Chroma (no authentication) refuses any address beyond loopback', async () => {
    await assert.rejects(startChroma({ dataDir: dir, host: '0.0.0.0' }), (e: unknown) => e instanceof ServiceError && e.code === 'ERR_SERVICE_INSECURE');
  });
});

/** The INFO line a nats-server sends to a new connection. */
function natsGreeting(host: string, port: number): Promise<string> {
  return new Promise((done, fail) => {
    const sock = connect({ host, port });
    sock.setTimeout(2_000, () => { sock.destroy(); fail(new Error('no INFO from nats-server')); });
    sock.once('data', (d) => { sock.destroy(); done(d.toString()); });
    sock.once('error', fail);
  });
}
