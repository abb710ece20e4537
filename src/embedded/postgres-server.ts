import type { ChildProcess } from 'node:child_process';
import { DocflowError } from '../errors/index.js';
import { pingPostgres } from '../stores/postgres/admin.js';
import { ENV, type Account } from './postgres-cluster.js';
import { exitReason, killOnExit, spawnLogged, stopChild, type StopStep } from './process.js';
import { startError, waitReady } from './startup.js';

/** Fast shutdown, then immediate, then kill. */
export const SHUTDOWN_STEPS: readonly StopStep[] = [['SIGINT', 10_000], ['SIGQUIT', 5_000], ['SIGKILL', 5_000]];

/** Shut the server down (see SHUTDOWN_STEPS); resolves when the process is gone. */
export function shutDownServer(child: ChildProcess): Promise<void> {
  return stopChild(child, SHUTDOWN_STEPS);
}

/** How to run the server on an initialised cluster. */
export interface LaunchOptions {
  pgdata: string;
  port: number;
  owner: Account | undefined;
  logFile: string;
  /** Where readiness is checked: the `postgres` database as the superuser. */
  adminUrl: string;
  timeoutMs: number;
  durable: boolean;
}

/** For a throw-away cluster: no waiting for the disk. */
const NOT_DURABLE = ['-c', 'fsync=off', '-c', 'synchronous_commit=off', '-c', 'full_page_writes=off'];

/** Start `postgres` on 127.0.0.1 (no unix socket) and wait until docflow can log in. */
export async function launchServer(postgres: string, o: LaunchOptions): Promise<ChildProcess> {
  const args = ['-D', o.pgdata, '-p', String(o.port), '-c', 'listen_addresses=127.0.0.1', '-c', 'unix_socket_directories=', ...(o.durable ? [] : NOT_DURABLE)];
  const child = spawnLogged(postgres, args, o.logFile, { ...(o.owner ?? {}), env: ENV });
  // If docflow exits without stopping it, the server shuts down cleanly on its own (fast shutdown).
  killOnExit(child, 'SIGINT');
  let last = 'no answer';
  await waitReady({
    name: 'PostgreSQL',
    exited: exitReason(child),
    probe: async () => {
      try {
        await pingPostgres(o.adminUrl, 1_000);
        return true;
      } catch (err) {
        last = err instanceof Error ? err.message : String(err);
        if (err instanceof DocflowError && !err.retryable) {
          await shutDownServer(child);
          throw startError(`PostgreSQL refused docflow's login: ${last}`, o.logFile);
        }
        return undefined;
      }
    },
    logFile: o.logFile,
    timeoutMs: o.timeoutMs,
    timeoutMessage: () => `PostgreSQL was not ready within ${o.timeoutMs} ms (${last})`,
    onTimeout: () => shutDownServer(child),
  });
  return child;
}
