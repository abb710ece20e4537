import { spawn, type ChildProcess } from 'node:child_process';
import { closeSync, existsSync, mkdirSync, openSync, readFileSync, realpathSync, statSync } from 'node:fs';
import { createServer } from 'node:net';
import { dirname, join, resolve } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { ServiceError } from '../errors/index.js';
import { PACKAGE_ROOT } from '../config/load.js';
import { isLoopback } from './which.js';

/** How to run the embedded Chroma server. */
export interface ChromaOptions {
  /** Holds the store (`store/`) and `chroma.log`. Created if missing. */
  dataDir: string;
  /** 0 = any free port, chosen anew at each start. @defaultValue 0 */
  port?: number;
  /** Listen address; loopback only (Chroma has no authentication here). @defaultValue '127.0.0.1' */
  host?: string;
  /** The `chroma` command. @defaultValue node_modules/.bin/chroma found from docflow's package folder */
  binary?: string;
  /** @defaultValue 30000 */
  startTimeoutMs?: number;
}

/** A running Chroma server; `stop()` is idempotent. */
export interface RunningChroma extends AsyncDisposable {
  /** `http://host:port` */
  readonly url: string;
  readonly port: number;
  readonly dataDir: string;
  readonly logFile: string;
  pid(): number | undefined;
  /** SIGTERM, then SIGKILL after 5 s. */
  stop(): Promise<void>;
}

export const CHROMA_INSTALL_HINT = 'the chroma server command was not found (node_modules/.bin/chroma): run npm install in docflow\'s folder (the chromadb package ships it), or set chroma.url to an existing server';

/**
 * Start `chroma run` (shipped by the chromadb package) on loopback, its output in a log file, and wait
 * until its heartbeat answers. Data persists under `dataDir` across restarts; the server is killed when
 * docflow exits.
 */
export async function startChroma(opts: ChromaOptions): Promise<RunningChroma> {
  const host = opts.host ?? '127.0.0.1';
  if (!isLoopback(host)) {
    throw new ServiceError('ERR_SERVICE_INSECURE', `refusing to start Chroma on ${host}: the embedded server has no authentication; listen on 127.0.0.1, or run Chroma yourself and set chroma.url`);
  }
  const command = chromaCommand(opts.binary);
  const dataDir = resolve(opts.dataDir);
  const storeDir = join(dataDir, 'store');
  const logFile = join(dataDir, 'chroma.log');
  mkdirSync(storeDir, { recursive: true });
  const timeoutMs = opts.startTimeoutMs ?? 30_000;

  let child: ChildProcess | undefined;
  let port = opts.port ?? 0;
  for (let attempt = 1; ; attempt++) {
    const chosen = port || (await freePort(host));
    const logStart = existsSync(logFile) ? statSync(logFile).size : 0;
    try {
      child = await launch(command, { storeDir, host, port: chosen, logFile, timeoutMs });
      port = chosen;
      break;
    } catch (err) {
      // Another process took the free port between our probe and the server's bind: pick another.
      const raced = !opts.port && attempt < 3 && /in use|AddrInUse/i.test(readFileSync(logFile, 'utf8').slice(logStart));
      if (!raced) throw err;
    }
  }
  const started = child;
  let stopping: Promise<void> | undefined;
  const stop = (): Promise<void> => {
    stopping ??= terminate(started);
    return stopping;
  };
  return {
    url: `http://${host.includes(':') && !host.startsWith('[') ? `[${host}]` : host}:${port}`,
    port,
    dataDir,
    logFile,
    pid: () => (started.exitCode === null && started.signalCode === null ? started.pid : undefined),
    stop,
    [Symbol.asyncDispose]: stop,
  };
}

interface Command {
  file: string;
  args: string[];
}

/** `chroma` is a Node script: run it with this Node rather than whatever `node` is on PATH. */
function chromaCommand(binary: string | undefined): Command {
  const found = binary ?? findBin('chroma');
  if (!found || !existsSync(found)) throw new ServiceError('ERR_SERVICE_BINARY_MISSING', binary ? `${binary} not found: ${CHROMA_INSTALL_HINT}` : CHROMA_INSTALL_HINT);
  const real = realpathSync(found);
  return /\.[cm]?js$/.test(real) ? { file: process.execPath, args: [real] } : { file: real, args: [] };
}

/** node_modules/.bin/NAME in docflow's folder or above it (where npm hoists when docflow is a dependency). */
function findBin(name: string): string | undefined {
  for (let dir = PACKAGE_ROOT; ; dir = dirname(dir)) {
    const candidate = join(dir, 'node_modules', '.bin', name);
    if (existsSync(candidate)) return candidate;
    if (dirname(dir) === dir) return undefined;
  }
}

interface LaunchOptions {
  storeDir: string;
  host: string;
  port: number;
  logFile: string;
  timeoutMs: number;
}

async function launch(command: Command, o: LaunchOptions): Promise<ChildProcess> {
  const fd = openSync(o.logFile, 'a');
  const child = spawn(command.file, [...command.args, 'run', '--path', o.storeDir, '--host', o.host, '--port', String(o.port)], { stdio: ['ignore', fd, fd] });
  closeSync(fd);
  // If docflow exits without stopping it (a crash, a second Ctrl-C), the server goes with it.
  const onExit = () => child.kill('SIGKILL');
  process.once('exit', onExit);
  child.once('exit', () => process.removeListener('exit', onExit));
  let exited: string | undefined;
  child.once('exit', (code, sig) => (exited = `exited with ${sig ?? code}`));
  child.once('error', (e) => (exited = e.message));
  const host = o.host.includes(':') && !o.host.startsWith('[') ? `[${o.host}]` : o.host;
  const deadline = Date.now() + o.timeoutMs;
  while (Date.now() < deadline) {
    if (exited) throw startError(`Chroma ${exited} before it was ready`, o.logFile);
    try {
      const res = await fetch(`http://${host}:${o.port}/api/v2/heartbeat`, { signal: AbortSignal.timeout(1_000) });
      if (res.ok) return child;
    } catch {
      // not listening yet
    }
    await sleep(25);
  }
  await terminate(child);
  throw startError(`Chroma did not answer its heartbeat within ${o.timeoutMs} ms`, o.logFile);
}

async function terminate(c: ChildProcess): Promise<void> {
  if (c.exitCode !== null || c.signalCode !== null) return;
  const gone = new Promise<void>((r) => c.once('exit', () => r()));
  c.kill('SIGTERM');
  const t = setTimeout(() => c.kill('SIGKILL'), 5_000);
  await gone;
  clearTimeout(t);
}

/** A port that was free on `host` a moment ago. */
function freePort(host: string): Promise<number> {
  return new Promise((res, rej) => {
    const srv = createServer();
    srv.once('error', rej);
    srv.listen(0, host.replace(/^\[|\]$/g, ''), () => {
      const addr = srv.address();
      srv.close(() => (addr && typeof addr === 'object' ? res(addr.port) : rej(new Error('no port'))));
    });
  });
}

function startError(message: string, logFile: string): ServiceError {
  let tail = '';
  try {
    tail = readFileSync(logFile, 'utf8').split('\n').filter((l) => l.trim() !== '').slice(-8).join('\n');
  } catch {
    // no log yet
  }
  return new ServiceError('ERR_SERVICE_START', `${message}; log: ${logFile}${tail ? `\n${tail}` : ''}`);
}
