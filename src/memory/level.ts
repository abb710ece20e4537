import type { MemoryLevel } from './types.js';

/** The thresholds `nextLevel` compares against. */
export interface LevelThresholds {
  /** bytes */
  limitBytes: number;
  /** fraction of limitBytes */
  highRatio: number;
  /** fraction of limitBytes memory must fall back by before the level drops */
  hysteresis: number;
  /** bytes */
  minSystemFreeBytes: number;
}

/**
 * The level for the figures just sampled, given the level before. Rising is immediate; falling
 * needs a margin of `hysteresis × limitBytes` below the threshold that was crossed (and, to leave
 * `critical`, that much more free system memory than the minimum), so a process hovering at a
 * threshold does not flap between levels on every sample.
 */
export function nextLevel(previous: MemoryLevel, rssBytes: number, systemFreeBytes: number, t: LevelThresholds): MemoryLevel {
  const band = t.hysteresis * t.limitBytes;
  if (rssBytes >= t.limitBytes || systemFreeBytes < t.minSystemFreeBytes) return 'critical';
  if (previous === 'critical' && (rssBytes >= t.limitBytes - band || systemFreeBytes < t.minSystemFreeBytes + band)) return 'critical';
  const highBytes = t.highRatio * t.limitBytes;
  if (rssBytes >= highBytes) return 'high';
  if (previous !== 'normal' && rssBytes >= highBytes - band) return 'high';
  return 'normal';
}
