import type { ChildProcess } from 'node:child_process';
import { connect } from 'node:net';
import { join } from 'node:path';
import { which } from '../../src/embedded/which.js';
import { exitReason, hasExited, killOnExit, spawnLogged, stopChild } from '../../src/embedded/process.js';
import type { RunningService } from '../../src/embedded/service.js';
import { freePort, waitReady } from '../../src/embedded/startup.js';
import { ServiceError } from '../../src/errors/index.js';
import { startInTempDir, useHarness } from './temp-service.js';

/** A free loopback port (redis-server needs a concrete one); also used by tests for a port nobody serves. */
export { freePort };

/**
 * A real redis-server on a loopback port (`redis://127.0.0.1:PORT`), without persistence, in a temp dir.
 * `stop()` sends SIGTERM, then SIGKILL after 2 s, and resolves when the process has exited; idempotent.
 */
export interface RedisHarness extends RunningService {
  readonly dir: string;
  /** Start again on the same port (after `stop` or `kill`); resolves when it answers PING. */
  start(): Promise<void>;
  /** SIGKILL (a crash: no shutdown), resolved when the process has exited. */
  kill(): Promise<void>;
  /** Send a signal without waiting (SIGSTOP / SIGCONT make it hang and resume). */
  signal(sig: NodeJS.Signals): void;
}

export const REDIS_INSTALL_HINT = 'redis-server not found on PATH - install it: apt-get install -y redis-server';

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

/** Start redis-server (`--save '' --appendonly no --bind 127.0.0.1`). Fails loudly when it is missing or does not start. */
export async function startRedis(opts: { startTimeoutMs?: number } = {}): Promise<RedisHarness> {
  const binary = which('redis-server');
  if (!binary) throw new ServiceError('ERR_SERVICE_BINARY_MISSING', REDIS_INSTALL_HINT);
  const port = await freePort();
  const timeoutMs = opts.startTimeoutMs ?? 10_000;
  const { server, dir, dispose } = await startInTempDir('docflow-redis-', async (dir) => {
    const redis = redisProcess(binary, dir, port, timeoutMs);
    await redis.start();
    return redis;
  });
  return {
    url: `redis://127.0.0.1:${port}`,
    port,
    dir,
    logFile: server.logFile,
    pid: server.pid,
    start: server.start,
    stop: server.stop,
    kill: server.kill,
    signal: server.signal,
    [Symbol.asyncDispose]: async () => {
      server.signal('SIGCONT');
      await dispose();
    },
  };
}

/** One redis-server that can be started again on the same port and dir. */
function redisProcess(binary: string, dir: string, port: number, timeoutMs: number) {
  const logFile = join(dir, 'redis.log');
  const args = ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--dir', dir, '--daemonize', 'no'];
  let child: ChildProcess | undefined;
  return {
    logFile,
    pid: (): number | undefined => child?.pid,
    start: async (): Promise<void> => {
      if (child && !hasExited(child)) return;
      const started = spawnLogged(binary, args, logFile);
      child = started;
      killOnExit(started);
      await waitReady({
        name: 'redis-server',
        exited: exitReason(started),
        probe: async () => ((await pings(port)) ? true : undefined),
        logFile,
        timeoutMs,
        timeoutMessage: () => `redis-server did not answer on 127.0.0.1:${port} within ${timeoutMs} ms`,
        onTimeout: async () => void started.kill('SIGKILL'),
      });
    },
    stop: async (): Promise<void> => {
      if (child) await stopChild(child, [['SIGTERM', 2_000], ['SIGKILL', Infinity]]);
    },
    kill: async (): Promise<void> => {
      if (child) await stopChild(child, [['SIGKILL', Infinity]]);
    },
    signal: (sig: NodeJS.Signals): void => void child?.kill(sig),
  };
}

/**
 * A redis-server for the enclosing `describe`: started in `before`, stopped in `after`.
 * Call `redis()` inside tests and hooks to get it.
 */
export function useRedis(): () => RedisHarness {
  return useHarness('useRedis', () => startRedis());
}
