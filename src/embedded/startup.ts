import { existsSync, readFileSync, statSync } from 'node:fs';
import { createServer } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { ServiceError } from '../errors/index.js';

/** A port that was free on `host` a moment ago (for servers that need a concrete port to bind). */
export function freePort(host = '127.0.0.1'): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, host.replace(/^\[|\]$/g, ''), () => {
      const addr = srv.address();
      srv.close(() => (addr && typeof addr === 'object' ? resolve(addr.port) : reject(new Error('no port from the OS'))));
    });
  });
}

/** The last `lines` non-blank lines of a log, '' when there is no log yet. */
export function readLogTail(logFile: string, lines = 8): string {
  try {
    return readFileSync(logFile, 'utf8').split('\n').filter((l) => l.trim() !== '').slice(-lines).join('\n');
  } catch {
    return '';
  }
}

/** ERR_SERVICE_START naming the log file and quoting its tail, where the reason usually is. */
export function startError(message: string, logFile: string): ServiceError {
  const tail = readLogTail(logFile);
  return new ServiceError('ERR_SERVICE_START', `${message}; log: ${logFile}${tail ? `\n${tail}` : ''}`);
}

/** How to wait for a starting server. */
export interface ReadyOptions<T> {
  /** The server's name in messages, e.g. 'PostgreSQL'. */
  name: string;
  /** Why the child is gone, undefined while it runs (see `exitReason`). */
  exited: () => string | undefined;
  /** A value once the server is ready, undefined while not yet; a throw ends the wait with that error. */
  probe: () => Promise<T | undefined>;
  logFile: string;
  timeoutMs: number;
  /** The text of the start error when the time is up. */
  timeoutMessage: () => string;
  /** Runs before the timeout error is thrown (e.g. stop the child that never became ready). */
  onTimeout?: () => Promise<void>;
  /** The word in `NAME exited … before it was WORD`. @defaultValue 'ready' */
  state?: string;
  /** Pause between probes. @defaultValue 25 */
  intervalMs?: number;
}

/** Probe until the server is ready; a start error quoting its log when it exits first or time runs out. */
export async function waitReady<T>(o: ReadyOptions<T>): Promise<T> {
  const deadline = Date.now() + o.timeoutMs;
  while (Date.now() < deadline) {
    const why = o.exited();
    if (why) throw startError(`${o.name} ${why} before it was ${o.state ?? 'ready'}`, o.logFile);
    const value = await o.probe();
    if (value !== undefined) return value;
    await sleep(o.intervalMs ?? 25);
  }
  await o.onTimeout?.();
  throw startError(o.timeoutMessage(), o.logFile);
}

/** A probe for `waitReady`: true when `url` answers 2xx within 1 s, undefined otherwise. */
export async function httpOk(url: string): Promise<true | undefined> {
  try {
    const res = await fetch(url, { signal: AbortSignal.timeout(1_000) });
    return res.ok ? true : undefined;
  } catch {
    return undefined; // not listening yet
  }
}

/** How to start a server on a given port or on a free one. */
export interface FreePortOptions<T> {
  /** The configured port; 0 or undefined = a free one, chosen anew at each start. */
  port: number | undefined;
  host?: string;
  logFile: string;
  /** What the server writes to its log when its port is taken. */
  inUse: RegExp;
  /** Start the server on `port`, resolving once it is ready. */
  launch: (port: number) => Promise<T>;
}

/**
 * Launch on the configured port, or on a free one; when another process took the free port between the
 * probe and the server's bind (its log says so), try up to twice more on another.
 */
export async function launchOnFreePort<T>(o: FreePortOptions<T>): Promise<{ started: T; port: number }> {
  for (let attempt = 1; ; attempt++) {
    const port = o.port || (await freePort(o.host));
    const logStart = existsSync(o.logFile) ? statSync(o.logFile).size : 0;
    try {
      return { started: await o.launch(port), port };
    } catch (err) {
      const raced = !o.port && attempt < 3 && o.inUse.test(readFileSync(o.logFile, 'utf8').slice(logStart));
      if (!raced) throw err;
    }
  }
}
