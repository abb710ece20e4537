import { pino } from 'pino';
import type { Logger } from '../../src/log.js';
import type { ChildContext, StopReason, Supervised, SupervisorOptions } from '../../src/supervisor/index.js';

/** A clock the test moves by hand; backoff sleeps move it too, as real time would. */
export class FakeTime {
  t = 0;
  readonly sleeps: number[] = [];
  readonly now = (): number => this.t;
  advance(ms: number): void { this.t += ms; }
  /** Resolves at once after moving the clock by `ms`. */
  readonly sleep = async (ms: number): Promise<void> => {
    this.sleeps.push(ms);
    this.t += ms;
  };
}

/** A sleep that waits until released or aborted (to close the supervisor during a backoff). */
export class HeldSleep {
  readonly pending: Array<{ ms: number; release(): void }> = [];
  readonly sleep = (ms: number, signal: AbortSignal): Promise<void> =>
    new Promise<void>((resolve, reject) => {
      signal.addEventListener('abort', () => reject(signal.reason), { once: true });
      this.pending.push({ ms, release: resolve });
    });
}

/** Options for deterministic tests: no jitter, the fake clock, silent. */
export function testOptions(time: FakeTime, extra: SupervisorOptions = {}): SupervisorOptions {
  return { now: time.now, sleep: time.sleep, random: () => 0.5, ...extra, restart: { jitter: 0, ...extra.restart } };
}

/** A child that writes what happens to it into a shared journal and crashes on command. */
export class TestChild implements Supervised {
  ctx: ChildContext | undefined;
  /** The next this-many starts throw. */
  failStarts = 0;
  /** The next this-many starts report a crash before resolving. */
  crashDuringStart = 0;
  stopThrows = false;
  starts = 0;
  readonly stops: StopReason[] = [];
  readonly contexts: ChildContext[] = [];

  constructor(readonly name: string, private readonly journal: string[] = []) {}

  async start(ctx: ChildContext): Promise<void> {
    this.starts++;
    this.journal.push(`${this.name}:start`);
    this.ctx = ctx;
    this.contexts.push(ctx);
    if (this.failStarts > 0) {
      this.failStarts--;
      throw new Error(`${this.name} cannot start`);
    }
    if (this.crashDuringStart > 0) {
      this.crashDuringStart--;
      ctx.crashed(new Error(`${this.name} died while starting`));
    }
  }

  async stop(reason: StopReason): Promise<void> {
    this.stops.push(reason);
    this.journal.push(`${this.name}:stop:${reason}`);
    await Promise.resolve();
    if (this.stopThrows) throw new Error(`${this.name} refused to stop`);
  }

  /** Report a crash through the context of the current run. */
  crash(message = `${this.name} crashed`): void {
    if (!this.ctx) throw new Error(`${this.name} was never started`);
    this.ctx.crashed(new Error(message));
  }
}

/** A logger that keeps its JSON lines, to assert what was logged. */
export function captureLogger(): { logger: Logger; lines: () => Array<Record<string, unknown>> } {
  const raw: string[] = [];
  const logger = pino({ level: 'debug' }, { write: (s: string) => { raw.push(s); } });
  return { logger, lines: () => raw.map((l) => JSON.parse(l) as Record<string, unknown>) };
}

/** Let pending promise chains run (everything here is promise-driven; no timers are involved). */
export function flush(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}
