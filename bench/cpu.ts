/**
 * CPU accounting for the benchmarks, from /proc (Linux): a process's or thread's CPU time, a process
 * tree's, and the whole machine's busy time. The benchmarks use them to say which party used the
 * CPU, and what a 2-core machine can give at most once the parties beside docflow have had theirs.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';

/** Clock ticks per second of /proc/<pid>/stat (USER_HZ; 100 on Linux). */
const USER_HZ = 100;

/** utime + stime from a /proc stat file (a process, or a thread under /proc/<pid>/task), ms; undefined when gone or off Linux. */
export function statCpuMs(path: string): number | undefined {
  try {
    // Fields after the command name, which is in parentheses and may hold spaces.
    const f = readFileSync(path, 'utf8').split(') ')[1]!.split(' ');
    return ((Number(f[11]) + Number(f[12])) * 1000) / USER_HZ;
  } catch {
    return undefined;
  }
}

/** CPU time of process `pid`, ms (0 once it has exited). */
export function procCpuMs(pid: number): number {
  return statCpuMs(`/proc/${pid}/stat`) ?? 0;
}

/** `pid` and all its descendants (PostgreSQL's backends are children of the postmaster). */
export function processTree(pid: number): number[] {
  const children = new Map<number, number[]>();
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const ppid = Number(readFileSync(`/proc/${entry}/stat`, 'utf8').split(') ')[1]!.split(' ')[1]);
      children.set(ppid, [...(children.get(ppid) ?? []), Number(entry)]);
    } catch {
      // gone
    }
  }
  const out: number[] = [];
  const todo = [pid];
  while (todo.length > 0) {
    const p = todo.pop()!;
    out.push(p);
    todo.push(...(children.get(p) ?? []));
  }
  return out;
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
