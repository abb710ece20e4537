import { randomUUID } from 'node:crypto';
import { startPostgres, type RunningPostgres } from '../../src/embedded/postgres.js';
import { ensureDatabase } from '../../src/stores/postgres/admin.js';
import { startInTempDir, useHarness } from './temp-service.js';

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
  const { server, dir, dispose } = await startInTempDir('docflow-pg-', (dataDir) => startPostgres({ dataDir, port: 0, persistent: false }));
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
    [Symbol.asyncDispose]: dispose,
  };
}

/**
 * A PostgreSQL for the enclosing `describe`: started in `before`, stopped in `after`.
 * Call `postgres()` inside tests and hooks to get it.
 */
export function usePostgres(): () => PostgresHarness {
  return useHarness('usePostgres', startTestPostgres, 60_000);
}
