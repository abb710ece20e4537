import type { ChildProcess } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync, readdirSync, existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { ServiceError } from '../errors/index.js';
import { which, isLoopback } from './which.js';
import { exitReason, hasExited, killOnExit, spawnLogged, stopChild, TERMINATE } from './process.js';
import type { RunningService } from './service.js';
import { httpOk, waitReady } from './startup.js';

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
  /**
   * Variables added to nats-server's environment, for `$NAME` references in the config file (TLS
   * paths, other users' passwords: see config/nats-secure.example.conf). @defaultValue none
   */
  env?: Readonly<Record<string, string>>;
  /** @defaultValue 10000 */
  startTimeoutMs?: number;
  /**
   * GOMAXPROCS of the server: how many threads run its Go code at once. 0 = GOMAXPROCS from the
   * environment if set, else Go's default (one per core). @defaultValue 0
   */
  maxProcs?: number;
}

/**
 * The environment nats-server runs with: the caller's additions, and GOMAXPROCS when `maxProcs` is set.
 *
 * Measured on 2 cores, one thread against Go's default: nats-server's CPU per message 35-45% lower
 * and queries over NATS 0.02-0.08 closer to direct SQL (bench:queries), but 0.07-0.12 ms more per
 * message for a stage runner on one worker thread, whose messages wait on each other (bench:runtime);
 * pipeline throughput within its usual spread. So the default stays Go's.
 */
export function natsServerEnv(opts: Pick<NatsServerOptions, 'env' | 'maxProcs'>, env: NodeJS.ProcessEnv = process.env): NodeJS.ProcessEnv {
  const out = { ...env, ...opts.env };
  if (opts.maxProcs) out['GOMAXPROCS'] = String(opts.maxProcs);
  return out;
}

/** A running nats-server; `stop()` is idempotent and graceful (SIGTERM, then SIGKILL after 5 s). */
export interface RunningNatsServer extends RunningService {
  readonly monitorUrl: string;
  readonly configFile: string;
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
    const started = spawnLogged(binary, ['-c', confFile], logFile, { env: natsServerEnv(opts) });
    child = started;
    killOnExit(started);
    const exited = exitReason(started);
    try {
      const found = await waitForPorts(workDir, started, exited, timeoutMs, logFile);
      url = found.nats;
      monitorUrl = found.monitoring;
      await waitReady({
        name: 'nats-server',
        state: 'healthy',
        exited,
        probe: () => httpOk(`${monitorUrl}/healthz`),
        logFile,
        timeoutMs,
        timeoutMessage: () => `nats-server was not healthy within ${timeoutMs} ms`,
      });
    } catch (err) {
      started.kill('SIGKILL');
      throw err;
    }
    ports = { port: Number(new URL(url).port), monitor: Number(new URL(monitorUrl).port) };
  };

  const stop = async (): Promise<void> => {
    const c = child;
    child = undefined;
    if (!c) return;
    // A stopped (SIGSTOP) server must run again to handle SIGTERM.
    if (!hasExited(c)) c.kill('SIGCONT');
    await stopChild(c, TERMINATE);
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

/** The client and monitoring URLs from the ports file nats-server writes once it listens. */
function waitForPorts(dir: string, child: ChildProcess, exited: () => string | undefined, timeoutMs: number, logFile: string): Promise<{ nats: string; monitoring: string }> {
  return waitReady({
    name: 'nats-server',
    exited,
    probe: async () => {
      const file = join(dir, `nats-server_${child.pid}.ports`);
      if (!existsSync(file)) return undefined;
      try {
        const ports = JSON.parse(readFileSync(file, 'utf8')) as { nats?: string[]; monitoring?: string[] };
        if (ports.nats?.[0] && ports.monitoring?.[0]) return { nats: ports.nats[0], monitoring: ports.monitoring[0] };
      } catch {
        // written but not complete yet
      }
      return undefined;
    },
    logFile,
    timeoutMs,
    intervalMs: 20,
    onTimeout: async () => void child.kill('SIGKILL'),
    timeoutMessage: () => `nats-server did not report its ports within ${timeoutMs} ms (files: ${readdirSync(dir).join(', ')})`,
  });
}
