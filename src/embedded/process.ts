import { spawn, type ChildProcess, type SpawnOptions } from 'node:child_process';
import { closeSync, openSync } from 'node:fs';

/** True once the child has exited or was ended by a signal. */
export function hasExited(child: ChildProcess): boolean {
  return child.exitCode !== null || child.signalCode !== null;
}

/** The child's pid while it runs; undefined once it is gone, so callers never signal a reused pid. */
export function livePid(child: ChildProcess): number | undefined {
  return hasExited(child) ? undefined : child.pid;
}

/** Resolves when the child has exited (at once when it already has). */
export function exitOf(child: ChildProcess): Promise<void> {
  if (hasExited(child)) return Promise.resolve();
  return new Promise((resolve) => child.once('exit', () => resolve()));
}

/**
 * Spawn a server with stdout and stderr appended to `logFile`: the log outlives the child and is what a
 * start error quotes.
 */
export function spawnLogged(command: string, args: readonly string[], logFile: string, options: Omit<SpawnOptions, 'stdio'> = {}): ChildProcess {
  const fd = openSync(logFile, 'a');
  try {
    return spawn(command, args, { ...options, stdio: ['ignore', fd, fd] });
  } finally {
    // The child holds its own copy of the descriptor.
    closeSync(fd);
  }
}

/**
 * If docflow exits without stopping the child (a crash, a second Ctrl-C), send it `signal` so that the
 * server does not outlive docflow. The hook is removed when the child exits first.
 */
export function killOnExit(child: ChildProcess, signal: NodeJS.Signals = 'SIGKILL'): void {
  const onExit = () => child.kill(signal);
  process.once('exit', onExit);
  child.once('exit', () => process.removeListener('exit', onExit));
}

/**
 * Watch a child that is starting: the returned function says why it is gone (`exited with CODE|SIGNAL`,
 * or the spawn error), undefined while it runs. Readiness loops check it between probes.
 */
export function exitReason(child: ChildProcess): () => string | undefined {
  let why: string | undefined;
  child.once('exit', (code, sig) => (why = `exited with ${sig ?? code}`));
  child.once('error', (e) => (why = e.message));
  return () => why;
}

/** One step of a shutdown: the signal and how long to wait for the exit before the next step (ms). */
export type StopStep = readonly [signal: NodeJS.Signals, waitMs: number];

/**
 * Send each step's signal in turn until the child exits; resolves when it is gone, or after the last
 * step's wait (Infinity: wait as long as it takes). Does nothing when the child has already exited.
 */
export async function stopChild(child: ChildProcess, steps: readonly StopStep[]): Promise<void> {
  if (hasExited(child)) return;
  const gone = exitOf(child).then(() => true);
  for (const [signal, waitMs] of steps) {
    child.kill(signal);
    let timer: NodeJS.Timeout | undefined;
    const waited = new Promise<boolean>((resolve) => {
      if (Number.isFinite(waitMs)) timer = setTimeout(() => resolve(false), waitMs);
    });
    const done = await Promise.race([gone, waited]);
    clearTimeout(timer);
    if (done) return;
  }
}

/** SIGTERM, then SIGKILL after 5 s, then wait for the exit. */
export const TERMINATE: readonly StopStep[] = [['SIGTERM', 5_000], ['SIGKILL', Infinity]];
