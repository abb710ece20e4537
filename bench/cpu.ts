/**
 * CPU accounting for the benchmarks, from /proc (Linux): a process's or thread's CPU time, a process
 * tree's, and the whole machine's busy time. The benchmarks use them to say which party used the
 * CPU, and what a 2-core machine can give at most once the parties beside docflow have had theirs.
 */
import { readFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { statFields } from '../test/harness/proc.js';

/** `pid` and all its descendants (PostgreSQL's backends are children of the postmaster). */
export { processTree } from '../test/harness/proc.js';

/** Clock ticks per second of /proc/<pid>/stat (USER_HZ; 100 on Linux). */
const USER_HZ = 100;

/** utime + stime from a /proc stat file (a process, or a thread under /proc/<pid>/task), ms; undefined when gone or off Linux. */
export function statCpuMs(path: string): number | undefined {
  try {
    const f = statFields(readFileSync(path, 'utf8'));
    return ((Number(f[11]) + Number(f[12])) * 1000) / USER_HZ;
  } catch {
    return undefined;
  }
}

/** CPU time of process `pid`, ms (0 once it has exited). */
export function procCpuMs(pid: number): number {
  return statCpuMs(`/proc/${pid}/stat`) ?? 0;
}

/** Busy CPU time of the whole machine (all cores, every process) from /proc/stat, ms. */
export function machineBusyMs(): number {
  try {
    const [user, nice, system, , , irq, softirq, steal] = readFileSync('/proc/stat', 'utf8').split('\n')[0]!.trim().split(/\s+/).slice(1).map(Number);
    return (((user ?? 0) + (nice ?? 0) + (system ?? 0) + (irq ?? 0) + (softirq ?? 0) + (steal ?? 0)) * 1000) / USER_HZ;
  } catch {
    return 0;
  }
}

/** From this call to `stop()`: how many cores the machine kept busy, on average. */
export function coresBusy(): { stop(): number } {
  const busy0 = machineBusyMs();
  const t0 = performance.now();
  return {
    stop: () => {
      const wallMs = performance.now() - t0;
      return wallMs <= 0 ? 0 : Math.min(availableParallelism(), (machineBusyMs() - busy0) / wallMs);
    },
  };
}
