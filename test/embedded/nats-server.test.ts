import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { adaptConfig, natsServerEnv, startNatsServer } from '../../src/embedded/nats-server.js';
import { PACKAGE_ROOT } from '../../src/config/load.js';
import { ServiceError } from '../../src/errors/index.js';

const conf = readFileSync(resolve(PACKAGE_ROOT, 'nats-server.conf'), 'utf8');
const base = { host: '127.0.0.1', port: -1, monitor: -1, storeDir: '/tmp/x', portsDir: '/tmp/p' };

describe('embedded nats-server', () => {
  it('keeps the authorization block only when credentials are given', () => {
    const auth = adaptConfig(conf, { ...base, withAuth: true, user: 'docflow', password: '123 456' });
    assert.match(auth, /authorization \{[\s\S]*user: "docflow", password: "123 456"/);
    const open = adaptConfig(conf, { ...base, withAuth: false });
    assert.doesNotMatch(open, /authorization \{/);
    assert.match(open, /^host: "127\.0\.0\.1"$/m);
    assert.match(open, /^port: -1$/m);
    assert.match(open, /store_dir: "\/tmp\/x"/);
    assert.match(open, /^max_payload: 1MB$/m);
    assert.match(adaptConfig(conf, { ...base, host: '0.0.0.0', withAuth: true, user: 'u', password: 'p' }), /^http: "127\.0\.0\.1:-1"$/m, 'monitoring stays on loopback');
  });

  it('starts with a numeric password, or one with spaces, and requires it', async () => {
    const { Transport } = await import('../../src/transport/index.js');
    const { testConfig } = await import('../harness/nats.js');
    for (const password of ['123456', 'p w d']) {
      const server = await startNatsServer({ configFile: resolve(PACKAGE_ROOT, 'nats-server.conf'), workDir: mkdtempSync(join(tmpdir(), 'df-')), user: 'docflow', password });
      try {
        const t = await Transport.connect(testConfig(server.url, { 'nats.user': 'docflow', 'nats.password': password }));
        await t.close();
        await assert.rejects(Transport.connect(testConfig(server.url, { 'nats.maxReconnectAttempts': 0 })), (e: unknown) => e instanceof Error && 'code' in e && e.code === 'ERR_TRANSPORT_AUTH');
      } finally {
        await server.stop();
      }
    }
  });

  it('runs nats-server with GOMAXPROCS from nats.embedded.maxProcs, else as the environment has it', async () => {
    assert.equal(natsServerEnv({}, {})['GOMAXPROCS'], undefined, "Go's default");
    assert.equal(natsServerEnv({ maxProcs: 0 }, { GOMAXPROCS: '3' })['GOMAXPROCS'], '3');
    assert.equal(natsServerEnv({ maxProcs: 2 }, { GOMAXPROCS: '3' })['GOMAXPROCS'], '2');
    assert.equal(natsServerEnv({ maxProcs: 2, env: { FOO: 'bar' } }, { PATH: '/bin' })['FOO'], 'bar');
    const server = await startNatsServer({ configFile: resolve(PACKAGE_ROOT, 'nats-server.conf'), workDir: mkdtempSync(join(tmpdir(), 'df-')), maxProcs: 3 });
    try {
      const environ = readFileSync(`/proc/${server.pid()}/environ`, 'utf8').split('\0');
      assert.ok(environ.includes('GOMAXPROCS=3'), 'the running server got it');
    } finally {
      await server.stop();
    }
  });

  it('refuses to listen beyond loopback without credentials', async () => {
    await assert.rejects(
      startNatsServer({ configFile: resolve(PACKAGE_ROOT, 'nats-server.conf'), workDir: mkdtempSync(join(tmpdir(), 'df-')), host: '0.0.0.0' }),
      (e: unknown) => e instanceof ServiceError && e.code === 'ERR_SERVICE_INSECURE' && /DOCFLOW_NATS_PASSWORD/.test(e.message),
    );
  });

  it('says how to install nats-server when it is missing', async () => {
    await assert.rejects(
      startNatsServer({ configFile: resolve(PACKAGE_ROOT, 'nats-server.conf'), workDir: mkdtempSync(join(tmpdir(), 'df-')), binary: 'nats-server-not-here' }),
      (e: unknown) => e instanceof ServiceError && e.code === 'ERR_SERVICE_BINARY_MISSING' && /apt-get install -y nats-server/.test(e.message),
    );
  });

  it('reports a server that cannot start, with its log', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'df-'));
    await assert.rejects(
      startNatsServer({ configFile: resolve(PACKAGE_ROOT, 'nats-server.conf'), workDir: dir, extraConfig: 'this is { not valid', startTimeoutMs: 3_000 }),
      (e: unknown) => e instanceof ServiceError && e.code === 'ERR_SERVICE_START' && e.message.includes(join(dir, 'nats-server.log')),
    );
  });
});
