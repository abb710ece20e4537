import { PriorityScheduler, type SchedulerOptions, type SchedulerStats, type Task } from '../../src/scheduler/index.js';
import { FakeClock, deferred, flush, type Deferred } from './fake-clock.js';

/**
 * A scheduler on a fake clock, with tasks the test finishes by name: `task('a')` records when and
 * with which signal it started and waits until `finish('a')` (or `fail('a', err)`).
 */
export class Harness {
  readonly clock = new FakeClock();
  readonly scheduler: PriorityScheduler<string>;
  readonly started: string[] = [];
  readonly signals = new Map<string, AbortSignal>();
  readonly #gates = new Map<string, Deferred<string>>();

  constructor(options: SchedulerOptions = {}) {
    this.scheduler = new PriorityScheduler<string>({ now: this.clock.now, timers: this.clock.timers, random: () => 0.5, ...options });
  }

  task(name: string): Task<string> {
    return (signal) => {
      this.started.push(name);
      this.signals.set(name, signal);
      const gate = deferred<string>();
      this.#gates.set(name, gate);
      return gate.promise;
    };
  }

  stats(): SchedulerStats {
    return this.scheduler.stats();
  }

  async finish(name: string): Promise<void> {
    this.#gate(name).resolve(name);
    await flush();
  }

  async fail(name: string, err: unknown): Promise<void> {
    this.#gate(name).reject(err);
    await flush();
  }

  #gate(name: string): Deferred<string> {
    const gate = this.#gates.get(name);
    if (!gate) throw new Error(`task ${name} has not started`);
    return gate;
  }
}
