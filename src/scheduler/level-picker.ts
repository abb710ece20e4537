import { PRIORITIES, perPriority, type Priority } from './priority.js';

/**
 * Which priority level to serve next: strict priority with an anti-starvation guard. Pure policy,
 * no queues and no I/O, so that the in-process `PriorityScheduler` and the NATS stage runner (one
 * pull consumer per level subject) share one ordering.
 *
 * The guard: every level counts the picks of higher levels made while it had work waiting. A level
 * whose count reached `starvationLimit` is *due*. The next pick is the most urgent due level or, when
 * none is due, the most urgent level with work. A pick resets the picked level's count; a level with
 * no work waiting has its count reset (it is not starving, it is idle).
 *
 * Why this terminates starvation (levels 0..n-1, most urgent first, L = starvationLimit):
 * - After a due level j is picked, no level above j can be due (none was, and a pick of j only
 *   counts for levels below j), so a run of consecutive due picks goes strictly down the levels and
 *   has at most n-1 picks. Level 0 is never due.
 * - A waiting level i therefore becomes due after at most L picks above it, is then passed over at
 *   most i-1 more times, and before that only by runs of due levels below it, at most n-1-i per
 *   pick above it. In total a waiting level is passed over at most (n-1)·L times in a row
 *   (`maxPassOver`), and the least urgent level at most L+n-2 times: `low` finishes under any flood
 *   of `critical`, and under constant load `critical` still gets L of every L+n-1 picks.
 */
export class LevelPicker {
  readonly #limit: number;
  readonly #skipped: Record<Priority, number> = perPriority(() => 0);

  /** @param starvationLimit Picks of higher levels a waiting level tolerates before it is served. */
  constructor(starvationLimit: number) {
    if (!Number.isInteger(starvationLimit) || starvationLimit < 1) throw new TypeError('starvationLimit must be a positive integer');
    this.#limit = starvationLimit;
  }

  get starvationLimit(): number {
    return this.#limit;
  }

  /** The level to take the next task from, or `undefined` when no level has work. */
  next(available: Readonly<Record<Priority, boolean>>): Priority | undefined {
    let first: Priority | undefined;
    let due: Priority | undefined;
    for (const p of PRIORITIES) {
      if (!available[p]) {
        this.#skipped[p] = 0;
        continue;
      }
      first ??= p;
      if (due === undefined && this.#skipped[p] >= this.#limit) due = p;
    }
    const pick = due ?? first;
    if (pick !== undefined) this.#count(pick, available);
    return pick;
  }

  /** How many picks of higher levels each level has waited through (for status and tests). */
  waiting(): Record<Priority, number> {
    return { ...this.#skipped };
  }

  #count(pick: Priority, available: Readonly<Record<Priority, boolean>>): void {
    this.#skipped[pick] = 0;
    for (let i = PRIORITIES.indexOf(pick) + 1; i < PRIORITIES.length; i++) {
      const lower = PRIORITIES[i]!;
      if (available[lower]) this.#skipped[lower]++;
    }
  }
}

/** The most picks in a row that pass over a level with work waiting, for a given limit. */
export function maxPassOver(starvationLimit: number): number {
  return (PRIORITIES.length - 1) * starvationLimit;
}
