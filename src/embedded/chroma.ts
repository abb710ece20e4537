import type { ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, realpathSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { ServiceError } from '../errors/index.js';
import { PACKAGE_ROOT } from '../config/load.js';
import { isLoopback } from './which.js';
import { exitReason, killOnExit, spawnLogged, stopChild, TERMINATE } from './process.js';
import { serviceHandle, type RunningService } from './service.js';
import { httpOk, launchOnFreePort, waitReady } from './startup.js';

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

/** A running Chroma server at `http://host:port`; `stop()` sends SIGTERM, then SIGKILL after 5 s. */
export interface RunningChroma extends RunningService {
  readonly dataDir: string;
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

  const { started, port } = await launchOnFreePort({
    port: opts.port,
    host,
    logFile,
    inUse: /in use|AddrInUse/i,
    launch: (port) => launch(command, { storeDir, host, port, logFile, timeoutMs }),
  });
  return {
    url: `http://${bracketed(host)}:${port}`,
    port,
    dataDir,
    logFile,
    ...serviceHandle(started, () => stopChild(started, TERMINATE)),
  };
}

/** An IPv6 address in brackets, as a URL needs it. */
function bracketed(host: string): string {
  return host.includes(':') && !host.startsWith('[') ? `[${host}]` : host;
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
  const child = spawnLogged(command.file, [...command.args, 'run', '--path', o.storeDir, '--host', o.host, '--port', String(o.port)], o.logFile);
  killOnExit(child);
  await waitReady({
    name: 'Chroma',
    exited: exitReason(child),
    probe: () => httpOk(`http://${bracketed(o.host)}:${o.port}/api/v2/heartbeat`),
    logFile: o.logFile,
    timeoutMs: o.timeoutMs,
    timeoutMessage: () => `Chroma did not answer its heartbeat within ${o.timeoutMs} ms`,
    onTimeout: () => stopChild(child, TERMINATE),
  });
  return child;
}
