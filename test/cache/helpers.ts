import { Writable } from 'node:stream';
import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { pino, type Logger } from 'pino';

/** Poll `probe` until it returns true (or a truthy value), failing after `timeoutMs`. */
export async function waitFor<T>(what: string, probe: () => T | Promise<T>, timeoutMs = 10_000, everyMs = 20): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await probe();
    if (v) return v;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await sleep(everyMs);
  }
}

/** A pino logger whose lines land in `lines` (parsed), for asserting what was logged and how often. */
export function captureLogger(): { logger: Logger; lines: Array<Record<string, unknown>> } {
  const lines: Array<Record<string, unknown>> = [];
  const sink = new Writable({
    write(chunk: Buffer, _enc, done) {
      for (const line of chunk.toString().split('\n')) if (line.trim()) lines.push(JSON.parse(line) as Record<string, unknown>);
      done();
    },
  });
  return { logger: pino({ level: 'debug' }, sink), lines };
}

/** Lines with `msg` matching. */
export function logged(lines: Array<Record<string, unknown>>, re: RegExp): Array<Record<string, unknown>> {
  return lines.filter((l) => typeof l['msg'] === 'string' && re.test(l['msg']));
}

/** A fresh Redis key prefix per test, so tests never see each other's keys. */
export function uniqueKeyPrefix(): string {
  return `t${randomUUID().slice(0, 8)}:`;
}

/** Keys that would break a cache that builds SQL or patterns from text. */
export const HOSTILE_KEYS: readonly string[] = [
  '100%',
  'a_b',
  "it's",
  '"quoted"',
  "x'; DROP TABLE docflow_cache; --",
  'back\\slash',
  'glob*?[ab]',
  'ünïcødé ключ 键',
  'a%_\\\'"*',
];
