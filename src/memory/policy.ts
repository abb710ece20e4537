import type { Observable, Subscription } from 'rxjs';
import { toDocflowError } from '../errors/index.js';
import { silentLogger, type Logger } from '../log.js';
import { assertFunction, assertLogger, assertNonNegativeInteger, assertObject, fillDefaults } from '../util/validate.js';
import type { HeaviestSource, MemoryAlert } from './types.js';

/** What to do at each level; each may be async (a rejection is logged). */
export interface MemoryPolicyOptions {
  /**
   * Memory rose from `normal` to `high`: shrink the credits of the heaviest stages, trim caches.
   * Not called when `critical` eases to `high` (the measures are already in force).
   */
  onHigh?: (heaviest: HeaviestSource | undefined, alert: MemoryAlert) => unknown;
  /**
   * Memory became `critical`, or is still critical: restart the heaviest stage (e.g.
   * `supervisor.restart(h.name, 'memory')`). At most once per `criticalCooldownMs`; an alert inside
   * the cooldown is skipped, so memory that stays critical gets one restart per cooldown.
   */
  onCritical?: (heaviest: HeaviestSource | undefined, alert: MemoryAlert) => unknown;
  /** Memory is back to `normal`: restore credits. */
  onNormal?: (alert: MemoryAlert) => unknown;
  /** Least time between two `onCritical` calls, ms. @defaultValue 10000 */
  criticalCooldownMs?: number;
  /** The clock, ms. @defaultValue Date.now */
  now?: () => number;
  /** @defaultValue silentLogger */
  logger?: Logger;
}

/** A running policy; `close()` unsubscribes (idempotent). */
export interface MemoryPolicy {
  close(): void;
  [Symbol.dispose](): void;
}

const kDefaults: Readonly<{ criticalCooldownMs: number; now: () => number; logger: Logger }> = Object.freeze({
  criticalCooldownMs: 10_000,
  now: Date.now,
  logger: silentLogger,
});

/**
 * Wire a monitor's alerts to the runtime's measures. The monitor only observes; this is where
 * observing turns into acting, with a cooldown so that one emergency (or a level flapping around
 * the limit despite hysteresis) cannot restart stages in a loop.
 */
export function memoryPolicy(monitor: { readonly alerts$: Observable<MemoryAlert> }, options: MemoryPolicyOptions): MemoryPolicy {
  assertObject('options', options as unknown); // `as unknown`: keep the handlers' declared types
  for (const key of ['onHigh', 'onCritical', 'onNormal'] as const) {
    const handler: unknown = options[key];
    if (handler !== undefined) assertFunction(`options.${key}`, handler);
  }
  const { criticalCooldownMs, now, logger } = options;
  const o = fillDefaults(kDefaults, { criticalCooldownMs, now, logger });
  assertNonNegativeInteger('options.criticalCooldownMs', o.criticalCooldownMs);
  assertFunction('options.now', o.now);
  assertLogger('options.logger', o.logger);
  const log = o.logger.child({ component: 'memory-policy' });
  let lastCritical: number | undefined;

  const run = (what: string, fn: () => unknown): void => {
    try {
      Promise.resolve(fn()).catch((err: unknown) => log.error({ err: toDocflowError(err).toInfo() }, `${what} failed`));
    } catch (err) {
      log.error({ err: toDocflowError(err).toInfo() }, `${what} failed`);
    }
  };

  const sub: Subscription = monitor.alerts$.subscribe((alert) => {
    if (alert.level === 'high' && alert.previous === 'normal' && options.onHigh) {
      run('onHigh', () => options.onHigh?.(alert.heaviest, alert));
    } else if (alert.level === 'normal' && options.onNormal) {
      run('onNormal', () => options.onNormal?.(alert));
    } else if (alert.level === 'critical' && options.onCritical) {
      const at = o.now();
      if (lastCritical !== undefined && at - lastCritical < o.criticalCooldownMs) {
        // A level that stays critical alerts at every sample: say so once per cooldown, not each time.
        if (alert.previous !== 'critical') log.warn({ heaviest: alert.heaviest, sinceLastMs: at - lastCritical }, 'memory critical again within the cooldown; no action');
        return;
      }
      lastCritical = at;
      run('onCritical', () => options.onCritical?.(alert.heaviest, alert));
    }
  });
  const close = (): void => sub.unsubscribe();
  return { close, [Symbol.dispose]: close };
}
