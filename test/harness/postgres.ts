import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomUUID } from 'node:crypto';
import { startPostgres, type RunningPostgres } from '../../src/embedded/postgres.js';
import { ensureDatabase } from '../../src/stores/postgres/admin.js';

/** A real PostgreSQL for one test file (embedded, on a free loopback port, in a temp dir). */
export interface PostgresHarness extends AsyncDisposable {
  /** The harness database `docflow`. */
  readonly url: string;
  readonly server: RunningPostgres;
  readonly dir: string;
  /** A new empty database on the same server, for a test that needs a schema of its own. */
  database(name?: string): Promise<string>;
}

/** Start PostgreSQL with a temp data dir. Fails loudly (ERR_SERVICE_*) when it cannot start. */
export async function startTestPostgres(): Promise<PostgresHarness> {
  const dir = mkdtempSync(join(tmpdir(), 'docflow-pg-'));
  let server: RunningPostgres;
  try {
    server = await startPostgres({ dataDir: dir, port: 0, persistent: false });
  } catch (err) {
    rmSync(dir, { recursive: true, force: true });
    throw err;
  }
  return {
    url: server.url,
    server,
    dir,
    database: async (name = `t_${randomUUID().replaceAll('-', '').slice(0, 12)}`) => {
      const admin = new URL(server.url);
      admin.pathname = '/postgres';
      await ensureDatabase(admin.toString(), name);
      const url = new URL(server.url);
      url.pathname = `/${name}`;
      return url.toString();
    },
    [Symbol.asyncDispose]: async () => {
      await server.stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/**
 * A PostgreSQL for the enclosing `describe`: started in `before`, stopped in `after`.
 * Call `postgres()` inside tests and hooks to get it.
 */
export function usePostgres(): () => PostgresHarness {
  let harness: PostgresHarness | undefined;
  before(async function () {
    this.timeout(60_000);
    harness = await startTestPostgres();
  });
  after(async () => { await harness?.[Symbol.asyncDispose](); });
  return () => {
    if (!harness) throw new Error('usePostgres(): the server is not started yet (call it inside a test or hook)');
    return harness;
  };
}
