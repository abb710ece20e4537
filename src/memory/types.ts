/**
 * How close this process is to running out of memory:
 * - `normal`;
 * - `high`: RSS at or above `highRatio × limitBytes`: shrink credits, trim caches;
 * - `critical`: RSS at or above `limitBytes`, or the system (or cgroup) has less than
 *   `minSystemFreeBytes` free: restart the heaviest stage.
 */
export type MemoryLevel = 'normal' | 'high' | 'critical';

/** What `sampleProcess` returns (bytes). */
export interface ProcessMemory {
  rssBytes: number;
  heapUsedBytes: number;
  heapTotalBytes: number;
}

/** What `sampleSystem` returns (bytes): the machine's, or the container's when it is smaller. */
export interface SystemMemory {
  totalBytes: number;
  freeBytes: number;
}

/** One sample, as kept in the history. */
export interface MemorySample extends ProcessMemory {
  /** The injected clock, ms. */
  at: number;
  systemFreeBytes: number;
  systemTotalBytes: number;
  /** Bytes reported by each source that answered. */
  sources: Record<string, number>;
}

/** The source holding the most bytes. */
export interface HeaviestSource {
  name: string;
  bytes: number;
}

/** Emitted on `alerts$` whenever the level changes, and at every sample while it stays `critical` (`previous` is then `critical` too). */
export interface MemoryAlert {
  type: 'level';
  level: MemoryLevel;
  previous: MemoryLevel;
  rssBytes: number;
  limitBytes: number;
  systemFreeBytes: number;
  /** RSS trend over the history, bytes per second (least squares). */
  slopeBytesPerSec: number;
  heaviest: HeaviestSource | undefined;
  /** The injected clock, ms. */
  at: number;
}

/** The figures of the latest sample, with the level and trend. */
export interface MemorySnapshot {
  level: MemoryLevel;
  rssBytes: number;
  heapUsedBytes: number;
  heapTotalBytes: number;
  systemFreeBytes: number;
  systemTotalBytes: number;
  limitBytes: number;
  slopeBytesPerSec: number;
  sources: Record<string, number>;
  /** Samples in the history (at most `historySize`). */
  samples: number;
  /** When the latest sample was taken (the injected clock, ms). */
  at: number;
}

/** Reports bytes held by one part of the process (a worker pool's heaps, a stage's buffers). */
export type MemorySource = () => number | undefined;
