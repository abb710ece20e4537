import { readFileSync, rmSync } from 'node:fs';
import { basename, join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { ServiceError } from '../errors/index.js';
import { SHUTDOWN_STEPS } from './postgres-server.js';

/**
 * Remove a postmaster.pid left by a crash. PostgreSQL itself ignores one whose process is gone, but not
 * one whose pid now belongs to another process (common in containers), and a server orphaned by a
 * docflow that was killed still holds the cluster: that one is shut down, one owned by a live docflow
 * is an error.
 */
export async function clearStaleLock(pgdata: string): Promise<void> {
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
      await shutDownOrphan(pid);
    }
  }
  rmSync(file, { force: true });
}

/** SHUTDOWN_STEPS for a server that is not our child: its exit is seen by polling, not by an event. */
async function shutDownOrphan(pid: number): Promise<void> {
  for (const [sig, ms] of SHUTDOWN_STEPS) {
    try {
      process.kill(pid, sig);
    } catch {
      return;
    }
    for (const until = Date.now() + ms; Date.now() < until; await sleep(50)) if (!alive(pid)) return;
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
