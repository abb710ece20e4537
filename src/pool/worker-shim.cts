/**
 * The entry of every WorkerPool thread: it runs the tasks the pool posts, one at a time, and tells
 * the pool through shared memory which task it STARTED.
 *
 * The pool posts a task ahead of time, behind the one running, so the thread never idles waiting
 * for the main thread. Each posted task owns a cell of an Int32Array on a SharedArrayBuffer holding
 * its id. Before running a task this thread swaps the cell from `id` to `-id`; the pool takes a
 * task back (abort, a thread that died, work for an idle thread, recycling) by swapping `id` to 0.
 * One compare-and-swap decides each race, so a task is either run here or re-dispatched, never both,
 * and a thread that dies fails only the task it had started.
 *
 * It is CommonJS on purpose: a thread terminated while `require()` loads an ES module synchronously
 * takes the whole process down on some Node versions ("v8::Module::IsGraphAsync must be used on an
 * instantiated module"); the real worker module is loaded with an asynchronous `import()` instead.
 */
import v8 = require('node:v8');
import workerThreads = require('node:worker_threads');

/** What the pool passes in `workerData` (same keys as in worker-slot.ts). */
interface ShimData {
  /** `file:` URL of the worker module. */
  docflowWorkerModule: string;
  /** The task cells (see above). */
  docflowCells: Int32Array;
  /** Run no task after the one whose reply reaches this count; 0 = no limit. */
  docflowRecycleAfterTasks: number;
  /** Run no task once the heap grew by more than this since the first task, bytes; 0 = no limit. */
  docflowRecycleOnHeapGrowthBytes: number;
}

/** A task as the pool posts it. */
interface Posted { id: number; cell: number; task: unknown }

type Handler = (task: unknown) => unknown;

const data = workerThreads.workerData as ShimData;
const port = workerThreads.parentPort;
const cells = data.docflowCells;
const queue: Posted[] = [];
let busy = false;
/** Set once this thread is due for replacement: it starts nothing more (the pool takes the rest back). */
let retired: 'tasks' | 'heap' | undefined;
let baselineHeap: number | undefined;
let handler: Promise<Handler> | undefined;

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
async function run(task: unknown): Promise<unknown> {
  let fn: Handler;
  try {
    fn = await load();
  } catch (err) {
    const message = `worker module failed to load: ${err instanceof Error ? err.message : String(err)}`;
    return {
      ok: false,
      error: { code: 'ERR_INTERNAL', message, retryable: false },
      heapUsed: v8.getHeapStatistics().used_heap_size,
      tasks: 0,
      threadId: workerThreads.threadId,
    };
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

function describe(err: unknown): string {
  return err instanceof Error ? `${err.name}: ${err.message}` : String(err);
}

async function drain(): Promise<void> {
  busy = true;
  for (let next = queue.shift(); next !== undefined; next = queue.shift()) {
    const { id, cell, task } = next;
    // Taken back by the pool, or this thread is retired: not ours to run.
    if (retired !== undefined || Atomics.compareExchange(cells, cell, id, -id) !== id) continue;
    let out: { id: number; reply?: unknown; retire?: 'tasks' | 'heap'; thrown?: string };
    try {
      const reply = await run(task);
      retired = dueForRecycling(reply);
      out = retired === undefined ? { id, reply } : { id, reply, retire: retired };
    } catch (err) {
      // Only a module without defineWorker throws here; the pool reports it as such.
      out = { id, thrown: describe(err) };
    }
    try {
      port!.postMessage(out);
    } catch (err) {
      port!.postMessage({ id, thrown: `the result cannot be sent back to the main thread (${describe(err)})` });
    }
  }
  busy = false;
}

port!.on('message', (m: Posted) => {
  queue.push(m);
  if (!busy) void drain();
});
