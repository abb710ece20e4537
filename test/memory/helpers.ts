import type { MemoryMonitorOptions } from '../../src/memory/index.js';

/** Memory figures the test sets by hand, and a clock and timer it drives. */
export class FakeMachine {
  t = 0;
  rss = 100;
  heapUsed = 40;
  heapTotal = 60;
  free = 10_000;
  total = 20_000;
  tick: (() => void) | undefined;
  intervalMs: number | undefined;
  cancelled = 0;

  readonly now = (): number => this.t;
  readonly sampleProcess = () => ({ rssBytes: this.rss, heapUsedBytes: this.heapUsed, heapTotalBytes: this.heapTotal });
  readonly sampleSystem = () => ({ totalBytes: this.total, freeBytes: this.free });
  readonly timer = (tick: () => void, intervalMs: number): (() => void) => {
    this.tick = tick;
    this.intervalMs = intervalMs;
    return () => { this.cancelled++; this.tick = undefined; };
  };

  /** One timer period: move the clock and fire the timer. */
  fire(ms = this.intervalMs ?? 1_000): void {
    this.t += ms;
    if (!this.tick) throw new Error('no timer running');
    this.tick();
  }

  /** Options wired to this machine: limit 1000 B, high at 800, band 50, critical below 100 B free. */
  options(extra: MemoryMonitorOptions = {}): MemoryMonitorOptions {
    return {
      limitBytes: 1_000, highRatio: 0.8, hysteresis: 0.05, minSystemFreeBytes: 100,
      now: this.now, sampleProcess: this.sampleProcess, sampleSystem: this.sampleSystem, timer: this.timer, ...extra,
    };
  }
}
