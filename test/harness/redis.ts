import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, openSync, closeSync, readFileSync, rmSync, existsSync } from 'node:fs';
import { connect, createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { which } from '../../src/embedded/which.js';
import { ServiceError } from '../../src/errors/index.js';

/** A real redis-server on a loopback port, without persistence, in a temp dir. */
export interface RedisHarness extends AsyncDisposable {
  /** `redis://127.0.0.1:PORT` */
  readonly url: string;
  readonly port: number;
  readonly dir: string;
  readonly logFile: string;
  pid(): number | undefined;
  /** Start again on the same port (after `stop` or `kill`); resolves when it answers PING. */
  start(): Promise<void>;
  /** SIGTERM, then SIGKILL after 2 s; resolves when the process has exited. Idempotent. */
  stop(): Promise<void>;
  /** SIGKILL (a crash: no shutdown), resolved when the process has exited. */
  kill(): Promise<void>;
  /** Send a signal without waiting (SIGSTOP / SIGCONT make it hang and resume). */
  signal(sig: NodeJS.Signals): void;
}

export const REDIS_INSTALL_HINT = 'redis-server not found on PATH - install it: apt-get install -y redis-server';

/** A free loopback port: bind port 0, read the port, release it (redis-server needs a concrete one). */
export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address();
      const port = typeof addr === 'object' && addr ? addr.port : 0;
      srv.close(() => (port ? resolve(port) : reject(new Error('no port from the OS'))));
    });
  });
}

/** True when a PING on a fresh connection gets +PONG within 500 ms. */
function pings(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const sock = connect({ port, host: '127.0.0.1' });
    const done = (ok: boolean) => {
      sock.destroy();
      resolve(ok);
    };
    sock.setTimeout(500, () => done(false));
    sock.once('error', () => done(false));
    sock.once('connect', () => sock.write('PING\r\n'));
    sock.once('data', (d) => done(d.toString().startsWith('+PONG')));
  });
}

function exited(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => child.once('exit', () => resolve()));
}

/** Start redis-server (`--save '' --appendonly no --bind 127.0.0.1`). Fails loudly when it is missing or does not start. */
export async function startRedis(opts: { startTimeoutMs?: number } = {}): Promise<RedisHarness> {
  const binary = which('redis-server');
  if (!binary) throw new ServiceError('ERR_SERVICE_BINARY_MISSING', REDIS_INSTALL_HINT);
  const dir = mkdtempSync(join(tmpdir(), 'docflow-redis-'));
  const logFile = join(dir, 'redis.log');
  const port = await freePort();
  const timeoutMs = opts.startTimeoutMs ?? 10_000;
  let child: ChildProcess | undefined;
  const killOnExit = () => child?.kill('SIGKILL');
  process.on('exit', killOnExit);

  const start = async (): Promise<void> => {
    if (child && child.exitCode === null && child.signalCode === null) return;
    const fd = openSync(logFile, 'a');
    const args = ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--dir', dir, '--daemonize', 'no'];
    const started = spawn(binary, args, { stdio: ['ignore', fd, fd] });
    closeSync(fd);
    child = started;
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline) {
      if (started.exitCode !== null || started.signalCode !== null) break;
      if (await pings(port)) return;
      await sleep(25);
    }
    started.kill('SIGKILL');
    const log = existsSync(logFile) ? readFileSync(logFile, 'utf8').slice(-2000) : '';
    throw new ServiceError('ERR_SERVICE_START', `redis-server did not answer on 127.0.0.1:${port} within ${timeoutMs} ms; its log (${logFile}):\n${log}`);
  };

  const stop = async (): Promise<void> => {
    const c = child;
    if (!c) return;
    const gone = exited(c);
    c.kill('SIGTERM');
    const timer = setTimeout(() => c.kill('SIGKILL'), 2_000);
    await gone;
    clearTimeout(timer);
  };

  try {
    await start();
  } catch (err) {
    process.removeListener('exit', killOnExit);
    rmSync(dir, { recursive: true, force: true });
    throw err;
  }

  return {
    url: `redis://127.0.0.1:${port}`,
    port,
    dir,
    logFile,
    pid: () => child?.pid,
    start,
    stop,
    kill: async () => {
      const c = child;
      if (!c) return;
      const gone = exited(c);
      c.kill('SIGKILL');
      await gone;
    },
    signal: (sig) => {
      child?.kill(sig);
    },
    [Symbol.asyncDispose]: async () => {
      child?.kill('SIGCONT');
      await stop();
      process.removeListener('exit', killOnExit);
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/**
 * A redis-server for the enclosing `describe`: started in `before`, stopped in `after`.
 * Call `redis()` inside tests and hooks to get it.
 */
export function useRedis(): () => RedisHarness {
  let harness: RedisHarness | undefined;
  before(async () => { harness = await startRedis(); });
  after(async () => { await harness?.[Symbol.asyncDispose](); });
  return () => {
    if (!harness) throw new Error('useRedis(): the server is not started yet (call it inside a test or hook)');
    return harness;
  };
}
