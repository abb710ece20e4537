/**
 * The module piscina loads in every WorkerPool thread. It runs the pool's tasks one at a time and
 * tells the pool through shared memory which task it STARTED.
 *
 * The pool posts a task ahead of time, behind the one running, so that the thread never idles
 * waiting for the main thread. Each posted task owns a cell of an Int32Array on a SharedArrayBuffer
 * holding its id. Before running a task this thread swaps the cell from `id` to `-id`; the pool takes
 * a task back (abort, a thread that died, work for an idle thread, recycling) by swapping `id` to 0.
 * One compare-and-swap decides each race, so a task is either run here or re-dispatched, never both,
 * and a thread that dies fails only the task it had started. A task this thread must not run is
 * answered with `{ skipped: true }` at once.
 *
 * It is CommonJS on purpose. Piscina loads its handler with `require()` first. On Node versions where
 * `require()` can load an ES module, it does so synchronously, and a thread terminated during that
 * load (a pool closed or a task aborted while a fresh thread boots) takes the whole process down with
 * a V8 fatal error ("v8::Module::IsGraphAsync must be used on an instantiated module"). Loading the
 * real worker module with an asynchronous `import()` from here avoids that path.
 */
import v8 = require('node:v8');
import workerThreads = require('node:worker_threads');

/** What the pool passes in `workerData` (same keys as in worker-slot.ts). */
interface ShimData {
  /** `file:` URL of the worker module. */
  docflowWorkerModule: string;
  /** The task cells (see above). */
  docflowCells: Int32Array;
  /** Start no task after the one whose reply reaches this count; 0 = no limit. */
  docflowRecycleAfterTasks: number;
  /** Start no task once the heap grew by more than this since the first task, bytes; 0 = no limit. */
  docflowRecycleOnHeapGrowthBytes: number;
}

/** A task as the pool posts it. */
interface Posted { id: number; cell: number; task: unknown }

type Handler = (task: unknown) => unknown;

const data = workerThreads.workerData as ShimData;
let handler: Promise<Handler> | undefined;
/** The end of the last task taken in: tasks run one after another even when the handler awaits. */
let tail: Promise<unknown> = Promise.resolve();
/** Set once this thread is due for replacement: it starts nothing more (the pool takes the rest back). */
let retired: 'tasks' | 'heap' | undefined;
let baselineHeap: number | undefined;

function load(): Promise<Handler> {
  handler ??= (async () => {
    const href = data.docflowWorkerModule;
    if (typeof href !== 'string') throw new Error('workerData.docflowWorkerModule is not set');
    const mod = (await import(href)) as { default?: unknown };
    if (typeof mod.default !== 'function') throw new Error(`${href} has no default export function (use defineWorker(fn))`);
    return mod.default as Handler;
  })();
  return handler;
}

// Start loading as the thread boots, so the first task does not wait for it; a failure is
// reported with each task (below), not here.
load().catch(() => undefined);

/** A module that fails to load fails every task, as data: retrying on another thread cannot help. */
async function runTask(task: unknown): Promise<unknown> {
  let fn: Handler;
  try {
    fn = await load();
  } catch (err) {
    const message = `worker module failed to load: ${err instanceof Error ? err.message : String(err)}`;
    return { ok: false, error: { code: 'ERR_INTERNAL', message, retryable: false }, heapUsed: v8.getHeapStatistics().used_heap_size, tasks: 0, threadId: workerThreads.threadId };
  }
  return fn(task);
}

/** The same thresholds as the pool's options, applied to the vitals a `defineWorker` reply carries. */
function dueForRecycling(reply: unknown): 'tasks' | 'heap' | undefined {
  const v = reply as { tasks?: unknown; heapUsed?: unknown } | null;
  if (typeof v !== 'object' || v === null || typeof v.tasks !== 'number' || typeof v.heapUsed !== 'number') return undefined;
  baselineHeap ??= v.heapUsed;
  const afterTasks = data.docflowRecycleAfterTasks;
  const growth = data.docflowRecycleOnHeapGrowthBytes;
  if (afterTasks > 0 && v.tasks >= afterTasks) return 'tasks';
  if (growth > 0 && v.heapUsed - baselineHeap > growth) return 'heap';
  return undefined;
}

async function runPosted({ id, cell, task }: Posted): Promise<unknown> {
  // The module loads before the task is claimed: a fresh thread's boot is not the task's time (the
  // pool starts its timeout at the claim), and a thread that dies while loading started nothing.
  await load().catch(() => undefined);
  // Taken back by the pool, or this thread is retired: not ours to run.
  if (retired !== undefined || Atomics.compareExchange(data.docflowCells, cell, id, -id) !== id) return { skipped: true };
  try {
    const reply = await runTask(task);
    retired = dueForRecycling(reply);
    return retired === undefined ? { reply } : { reply, retire: retired };
  } catch (err) {
    // Only a module without defineWorker throws here; the pool reports it as such.
    return { thrown: err instanceof Error ? `${err.name}: ${err.message}` : String(err) };
  }
}

function run(posted: Posted): Promise<unknown> {
  const result = tail.then(() => runPosted(posted));
  tail = result;
  return result;
}

export = run;
