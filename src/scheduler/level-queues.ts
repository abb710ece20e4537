import { PRIORITIES, perPriority, type Priority } from './priority.js';

/**
 * One FIFO per priority level. A `Set` keeps insertion order and deletes in O(1), so a task whose
 * caller aborts leaves the middle of its queue without a scan. The bound is the caller's business
 * (`isFull`): admitted work that comes back after a retry backoff must not be refused.
 */
export class LevelQueues<J> {
  readonly #levels: Record<Priority, Set<J>> = perPriority(() => new Set<J>());

  constructor(private readonly maxQueued: Readonly<Record<Priority, number>>) {}

  /** True when `priority` already holds its bound of waiting tasks. */
  isFull(priority: Priority): boolean {
    return this.#levels[priority].size >= this.maxQueued[priority];
  }

  push(priority: Priority, job: J): void {
    this.#levels[priority].add(job);
  }

  /** The oldest waiting task of `priority`, removed. */
  shift(priority: Priority): J | undefined {
    const level = this.#levels[priority];
    const first = level.values().next();
    if (first.done === true) return undefined;
    level.delete(first.value);
    return first.value;
  }

  /** Remove `job` wherever it waits; false when it was not waiting. */
  delete(priority: Priority, job: J): boolean {
    return this.#levels[priority].delete(job);
  }

  /** Which levels have work, as the `LevelPicker` wants it. */
  available(): Record<Priority, boolean> {
    return perPriority((p) => this.#levels[p].size > 0);
  }

  sizes(): Record<Priority, number> {
    return perPriority((p) => this.#levels[p].size);
  }

  /** Empty every level, oldest and most urgent first, and return what waited. */
  drain(): J[] {
    const out: J[] = [];
    for (const p of PRIORITIES) {
      out.push(...this.#levels[p]);
      this.#levels[p].clear();
    }
    return out;
  }
}
