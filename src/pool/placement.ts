import { TASKS_PER_THREAD, type SlotTask, type WorkerSlot } from './worker-slot.js';

/**
 * Where a `WorkerPool` puts its tasks. Each thread holds the task it runs and at most one posted
 * behind it; these functions read the slots, they change nothing.
 */

/** A live slot whose thread holds nothing. */
export function idleSlot<T extends SlotTask>(slots: readonly WorkerSlot<T>[]): WorkerSlot<T> | undefined {
  for (const s of slots) if (!s.retiring && s.held.length === 0) return s;
  return undefined;
}

/**
 * Where the next task goes: an idle thread, else behind the running task that started first (it
 * should end first). A task with a transfer list waits for an idle thread, and none is posted behind
 * one: once posted, its objects belong to that thread, so it could not move to another one.
 */
export function slotFor<T extends SlotTask>(slots: readonly WorkerSlot<T>[], task: T): WorkerSlot<T> | undefined {
  const idle = idleSlot(slots);
  if (idle !== undefined || task.transferList !== undefined) return idle;
  let best: WorkerSlot<T> | undefined;
  for (const s of slots) {
    if (s.retiring || s.held.length >= TASKS_PER_THREAD || s.held[0]?.transferList !== undefined) continue;
    if (best === undefined || s.headSince < best.headSince) best = s;
  }
  return best;
}

/** The tasks posted behind another one, newest first per slot: what an idle thread may take over. */
export function* waitingBehind<T extends SlotTask>(slots: readonly WorkerSlot<T>[]): Generator<[WorkerSlot<T>, T]> {
  for (const s of slots) {
    for (let i = s.held.length - 1; i >= 1; i--) {
      const t = s.held[i]!;
      if (t.transferList === undefined) yield [s, t];
    }
  }
}

/** Accepted tasks held by threads but not the first of their thread (so not running). */
export function heldBehind(slots: readonly WorkerSlot<SlotTask>[]): number {
  let n = 0;
  for (const s of slots) if (s.held.length > 1) n += s.held.length - 1;
  return n;
}

/** Slots whose thread holds a task (it runs one, or is about to). */
export function busySlots(slots: readonly WorkerSlot<SlotTask>[]): number {
  let n = 0;
  for (const s of slots) if (s.held.length > 0) n++;
  return n;
}
