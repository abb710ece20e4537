import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, openSync, closeSync, readFileSync, writeFileSync, readdirSync, existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { ServiceError } from '../errors/index.js';
import { which, isLoopback } from './which.js';

/** How to start a nats-server from docflow's config file. */
export interface NatsServerOptions {
  /** The nats-server config to adapt (docflow's `nats-server.conf`). */
  configFile: string;
  /** Folder for the adapted config, the ports file and the log. Created if missing. */
  workDir: string;
  /** JetStream store folder. @defaultValue `${workDir}/jetstream` */
  storeDir?: string;
  /** @defaultValue 'nats-server' (looked up on PATH) */
  binary?: string;
  /** Listen address. @defaultValue '127.0.0.1' */
  host?: string;
  /** Client port; 0 = any free port. @defaultValue 0 */
  port?: number;
  /** Monitoring port; 0 = any free port. @defaultValue 0 */
  monitorPort?: number;
  /** When both are set the authorization block is kept and the server requires them. */
  user?: string | undefined;
  password?: string | undefined;
  /** Extra config text appended at the end (e.g. a cluster block). */
  extraConfig?: string;
  /** @defaultValue 10000 */
  startTimeoutMs?: number;
}

/** A running nats-server; `stop()` is idempotent. */
export interface RunningNatsServer extends AsyncDisposable {
  readonly url: string;
  readonly monitorUrl: string;
  readonly port: number;
  readonly logFile: string;
  readonly configFile: string;
  pid(): number | undefined;
  /** Stop gracefully (SIGTERM, then SIGKILL after 5 s). */
  stop(): Promise<void>;
  /** Send a signal (e.g. SIGKILL, SIGSTOP, SIGCONT) without waiting. */
  signal(sig: NodeJS.Signals): void;
  /** Stop and start again on the same ports and store (JetStream state survives). */
  restart(): Promise<void>;
}

export const NATS_INSTALL_HINT = 'nats-server not found on PATH - install it: apt-get install -y nats-server (or set nats.embedded.binary)';

/** Start nats-server with docflow's config file, adapted to the given ports and folders. */
export async function startNatsServer(opts: NatsServerOptions): Promise<RunningNatsServer> {
  const binary = which(opts.binary ?? 'nats-server');
  if (!binary) throw new ServiceError('ERR_SERVICE_BINARY_MISSING', NATS_INSTALL_HINT);
  const host = opts.host ?? '127.0.0.1';
  const withAuth = Boolean(opts.user && opts.password);
  if (!isLoopback(host) && !withAuth) {
    throw new ServiceError('ERR_SERVICE_INSECURE', `refusing to start nats-server on ${host} without credentials: set DOCFLOW_NATS_USER and DOCFLOW_NATS_PASSWORD, or listen on 127.0.0.1`);
  }
  const workDir = resolve(opts.workDir);
  const storeDir = resolve(opts.storeDir ?? join(workDir, 'jetstream'));
  mkdirSync(workDir, { recursive: true });
  mkdirSync(storeDir, { recursive: true });
  const logFile = join(workDir, 'nats-server.log');
  const confFile = join(workDir, 'nats-server.generated.conf');
  const timeoutMs = opts.startTimeoutMs ?? 10_000;

  let ports = { port: opts.port || -1, monitor: opts.monitorPort || -1 };
  let child: ChildProcess | undefined;
  let url = '';
  let monitorUrl = '';

  const launch = async (): Promise<void> => {
    const text = adaptConfig(readFileSync(opts.configFile, 'utf8'), { host, ...ports, storeDir, portsDir: workDir, withAuth, user: opts.user, password: opts.password, extra: opts.extraConfig });
    writeFileSync(confFile, text, { mode: 0o600 });
    const fd = openSync(logFile, 'a');
    child = spawn(binary, ['-c', confFile], { stdio: ['ignore', fd, fd] });
    const started0 = child;
    // If docflow exits without stopping it (a crash, a second Ctrl-C), the server goes with it.
    const killOnExit = () => started0.kill('SIGKILL');
    process.once('exit', killOnExit);
    started0.once('exit', () => process.removeListener('exit', killOnExit));
    closeSync(fd);
    const started = child;
    let exited: string | undefined;
    started.once('exit', (code, sig) => (exited = `exited with ${sig ?? code}`));
    started.once('error', (e) => (exited = e.message));
    try {
      const found = await waitForPorts(workDir, started, () => exited, timeoutMs, logFile);
      url = found.nats;
      monitorUrl = found.monitoring;
      await waitHealthy(monitorUrl, () => exited, timeoutMs, logFile);
    } catch (err) {
      started.kill('SIGKILL');
      throw err;
    }
    ports = { port: Number(new URL(url).port), monitor: Number(new URL(monitorUrl).port) };
  };

  const stop = async (): Promise<void> => {
    const c = child;
    child = undefined;
    if (!c || c.exitCode !== null || c.signalCode !== null) return;
    const gone = new Promise<void>((r) => c.once('exit', () => r()));
    c.kill('SIGCONT');
    c.kill('SIGTERM');
    const t = setTimeout(() => c.kill('SIGKILL'), 5_000);
    await gone;
    clearTimeout(t);
  };

  await launch();
  return {
    get url() { return url; },
    get monitorUrl() { return monitorUrl; },
    get port() { return ports.port; },
    logFile,
    configFile: confFile,
    pid: () => child?.pid,
    stop,
    signal: (sig) => void child?.kill(sig),
    restart: async () => {
      await stop();
      await launch();
    },
    [Symbol.asyncDispose]: stop,
  };
}

interface AdaptOptions {
  host: string; port: number; monitor: number; storeDir: string; portsDir: string; withAuth: boolean;
  user?: string | undefined; password?: string | undefined; extra?: string | undefined;
}

/** Rewrite docflow's nats-server.conf for one run: ports, store dir, ports file, auth block. */
export function adaptConfig(text: string, o: AdaptOptions): string {
  let out = text
    .replace(/^host:.*$/m, `host: ${JSON.stringify(o.host)}`)
    .replace(/^port:.*$/m, `port: ${o.port}`)
    // Monitoring has no authentication: it stays on loopback whatever the client address.
    .replace(/^http:.*$/m, `http: "127.0.0.1:${o.monitor}"`)
    .replace(/^(\s*)store_dir:.*$/m, `$1store_dir: ${JSON.stringify(o.storeDir)}`);
  if (!o.withAuth) out = out.replace(/^# BEGIN authorization[\s\S]*?^# END authorization.*$/m, '# (authorization block removed: no credentials configured; loopback only)');
  // Quoted values in the generated (0600) file: nats-server would read an unquoted 123456 from the
  // environment as a number, and a value with spaces as several tokens.
  else out = out.replace('$DOCFLOW_NATS_USER', JSON.stringify(o.user ?? '')).replace('$DOCFLOW_NATS_PASSWORD', JSON.stringify(o.password ?? ''));
  out += `\n# added by docflow for this run\nports_file_dir: ${JSON.stringify(o.portsDir)}\n`;
  if (o.extra) out += `\n${o.extra}\n`;
  return out;
}

async function waitForPorts(dir: string, child: ChildProcess, exited: () => string | undefined, timeoutMs: number, logFile: string) {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const why = exited();
    if (why) throw startError(`nats-server ${why} before it was ready`, logFile);
    const file = join(dir, `nats-server_${child.pid}.ports`);
    if (existsSync(file)) {
      try {
        const ports = JSON.parse(readFileSync(file, 'utf8')) as { nats?: string[]; monitoring?: string[] };
        if (ports.nats?.[0] && ports.monitoring?.[0]) return { nats: ports.nats[0], monitoring: ports.monitoring[0] };
      } catch {
        // written but not complete yet
      }
    }
    await sleep(20);
  }
  child.kill('SIGKILL');
  throw startError(`nats-server did not report its ports within ${timeoutMs} ms (files: ${readdirSync(dir).join(', ')})`, logFile);
}

async function waitHealthy(monitorUrl: string, exited: () => string | undefined, timeoutMs: number, logFile: string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const why = exited();
    if (why) throw startError(`nats-server ${why} before it was healthy`, logFile);
    try {
      const res = await fetch(`${monitorUrl}/healthz`, { signal: AbortSignal.timeout(1_000) });
      if (res.ok) return;
    } catch {
      // not listening yet
    }
    await sleep(25);
  }
  throw startError(`nats-server was not healthy within ${timeoutMs} ms`, logFile);
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
