import { readFileSync } from 'node:fs';
import os from 'node:os';
import type { ProcessMemory, SystemMemory } from './types.js';

/** RSS and V8 heap of this process (the main thread; workers report through sources). */
export function sampleProcessMemory(): ProcessMemory {
  const m = process.memoryUsage();
  return { rssBytes: m.rss, heapUsedBytes: m.heapUsed, heapTotalBytes: m.heapTotal };
}

/** What `createSystemSampler` reads; injectable for tests. */
export interface SystemSamplerDeps {
  totalmem?: () => number;
  freemem?: () => number;
  /** Reads a whole (small) file as text; throws when it does not exist. */
  readFile?: (path: string) => string;
}

/** cgroup v2 files, then v1: [limit, usage, stat]. */
const kCgroupFiles: ReadonlyArray<readonly [string, string, string]> = [
  ['/sys/fs/cgroup/memory.max', '/sys/fs/cgroup/memory.current', '/sys/fs/cgroup/memory.stat'],
  ['/sys/fs/cgroup/memory/memory.limit_in_bytes', '/sys/fs/cgroup/memory/memory.usage_in_bytes', '/sys/fs/cgroup/memory/memory.stat'],
];

/**
 * A sampler of system memory: `os.totalmem()` / `os.freemem()`, narrowed to the cgroup's limit
 * when the process runs in a memory-limited container (inside one, `os.freemem()` reports the
 * host's free memory, which the container can never use). Free memory in a cgroup is its limit less
 * its working set (usage less inactive page cache, as the kubelet counts it). Best effort: without
 * readable cgroup files, the OS figures alone; the files are not looked for again once missing.
 */
export function createSystemSampler(deps: SystemSamplerDeps = {}): () => SystemMemory {
  const totalmem = deps.totalmem ?? os.totalmem;
  const freemem = deps.freemem ?? os.freemem;
  const readFile = deps.readFile ?? ((p: string) => readFileSync(p, 'utf8'));
  let files = kCgroupFiles.find(([limit]) => readNumber(readFile, limit) !== undefined);
  return () => {
    const total = totalmem();
    const free = freemem();
    if (!files) return { totalBytes: total, freeBytes: free };
    const [limitFile, usageFile, statFile] = files;
    const limit = readNumber(readFile, limitFile);
    const usage = readNumber(readFile, usageFile);
    if (limit === undefined || usage === undefined) {
      files = undefined; // gone (or never fully there): stop paying for failed reads every sample
      return { totalBytes: total, freeBytes: free };
    }
    // cgroup v1 reports "no limit" as a huge number; anything above the machine is no limit.
    if (limit >= total) return { totalBytes: total, freeBytes: free };
    const workingSet = Math.max(0, usage - inactiveFile(readFile, statFile));
    return { totalBytes: limit, freeBytes: Math.min(free, Math.max(0, limit - workingSet)) };
  };
}

/** A file holding one number; `undefined` when missing, unreadable, or "max" (no limit). */
function readNumber(readFile: (p: string) => string, path: string): number | undefined {
  try {
    const text = readFile(path).trim();
    if (!/^\d+$/.test(text)) return undefined;
    const n = Number(text);
    return Number.isFinite(n) ? n : undefined;
  } catch {
    return undefined;
  }
}

/** `inactive_file` (v2) or `total_inactive_file` (v1) from memory.stat: reclaimable cache; 0 if unknown. */
function inactiveFile(readFile: (p: string) => string, path: string): number {
  try {
    const m = /^(?:total_)?inactive_file (\d+)$/m.exec(readFile(path));
    return m?.[1] !== undefined ? Number(m[1]) : 0;
  } catch {
    return 0;
  }
}
