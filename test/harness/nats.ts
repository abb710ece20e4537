import { resolve } from 'node:path';
import { randomUUID } from 'node:crypto';
import { startNatsServer, type RunningNatsServer } from '../../src/embedded/nats-server.js';
import { loadConfig, PACKAGE_ROOT, type Config } from '../../src/config/load.js';
import { startInTempDir, useHarness } from './temp-service.js';

/** A real nats-server with JetStream for one test file, from the repo's nats-server.conf. */
export interface NatsHarness extends AsyncDisposable {
  readonly url: string;
  readonly server: RunningNatsServer;
  readonly dir: string;
  /** A config pointing at this server with a fresh subject prefix (so streams never collide). */
  config(overrides?: Record<string, unknown>): Readonly<Config>;
}

/** Start nats-server on free loopback ports with a temp store. Fails loudly when nats-server is missing. */
export async function startNats(opts: { user?: string; password?: string } = {}): Promise<NatsHarness> {
  const { server, dir, dispose } = await startInTempDir('docflow-nats-', (workDir) => startNatsServer({
    configFile: resolve(PACKAGE_ROOT, 'nats-server.conf'),
    workDir,
    port: 0,
    monitorPort: 0,
    user: opts.user,
    password: opts.password,
  }));
  return {
    get url() { return server.url; },
    server,
    dir,
    config: (overrides = {}) => testConfig(server.url, overrides),
    [Symbol.asyncDispose]: dispose,
  };
}

/** The default config aimed at `url`, with a unique subject prefix and no logging. */
export function testConfig(url: string, overrides: Record<string, unknown> = {}): Readonly<Config> {
  return loadConfig({
    env: {},
    overrides: { 'nats.servers': [url], subjectPrefix: uniquePrefix(), 'log.level': 'silent', 'nats.reconnectWaitMs': 100, ...overrides },
  });
}

/** `t` and 12 hex digits: a valid subject token and stream-name part. */
export function uniquePrefix(): string {
  return `t${randomUUID().replaceAll('-', '').slice(0, 12)}`;
}

/**
 * A nats-server for the enclosing `describe`: started in `before`, stopped in `after`.
 * Call `nats()` inside tests and hooks to get it.
 */
export function useNats(opts: { user?: string; password?: string } = {}): () => NatsHarness {
  return useHarness('useNats', () => startNats(opts));
}
