import { getHeapStatistics } from 'node:v8';
import { threadId } from 'node:worker_threads';
import { toDocflowError, type ErrorInfo } from '../errors/index.js';

/**
 * What a worker sends back for every task: the outcome plus what the pool needs to decide whether
 * to recycle this thread. The task's own failure travels as plain data (`ok: false`), so the pool
 * can tell it apart from the thread dying, which piscina reports as a rejection.
 */
export type WorkerReply<T> = WorkerVitals & ({ ok: true; value: T } | { ok: false; error: ErrorInfo });

/** Health figures a worker reports after each task. */
export interface WorkerVitals {
  /** V8 heap in use by this thread's isolate after the task, bytes. */
  heapUsed: number;
  /** Tasks this thread has run, this one included. */
  tasks: number;
  /** `worker_threads.threadId` of the thread that ran the task. */
  threadId: number;
}

/** A task handler as piscina calls it. */
export type WorkerHandler<In, Out> = (task: In) => Promise<WorkerReply<Out>>;

// Per thread: each worker thread has its own module instance.
let tasksRun = 0;

/**
 * Wrap a task function for a `WorkerPool` worker module: `export default defineWorker(fn)`.
 * Errors thrown by `fn` become `{ ok: false, error }` (a `DocflowError` keeps its code and
 * `retryable`; anything else becomes `ERR_INTERNAL`); the pool rebuilds them.
 */
export function defineWorker<In, Out>(fn: (task: In) => Out | Promise<Out>): WorkerHandler<In, Out> {
  return async (task: In): Promise<WorkerReply<Out>> => {
    tasksRun++;
    try {
      const value = await fn(task);
      return { ok: true, value, ...vitals() };
    } catch (err) {
      return { ok: false, error: toDocflowError(err).toInfo(), ...vitals() };
    }
  };
}

function vitals(): WorkerVitals {
  // The figure of process.memoryUsage().heapUsed, without its read of the RSS from /proc (~10 µs a task).
  return { heapUsed: getHeapStatistics().used_heap_size, tasks: tasksRun, threadId };
}

/** True when `v` has the shape of a `WorkerReply` (the worker module used `defineWorker`). */
export function isWorkerReply(v: unknown): v is WorkerReply<unknown> {
  const r = v as Partial<WorkerReply<unknown>> | null;
  return typeof r === 'object' && r !== null && typeof r.ok === 'boolean' && typeof r.threadId === 'number'
    && typeof r.heapUsed === 'number' && typeof r.tasks === 'number';
}
