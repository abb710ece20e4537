/**
 * The module piscina loads in every WorkerPool thread. It is CommonJS on purpose.
 *
 * Piscina loads its handler with `require()` first. On Node versions where `require()` can load an
 * ES module, it does so synchronously, and a thread terminated during that load (a pool closed or a
 * task aborted while a fresh thread boots) takes the whole process down with a V8 fatal error
 * ("v8::Module::IsGraphAsync must be used on an instantiated module"). Loading the real worker module
 * with an asynchronous `import()` from here avoids that path.
 */
import workerThreads = require('node:worker_threads');

/** `workerData` key holding the `file:` URL of the worker module. */
const KEY = 'docflowWorkerModule';

type Handler = (task: unknown) => unknown;

let handler: Promise<Handler> | undefined;

function load(): Promise<Handler> {
  handler ??= (async () => {
    const href = (workerThreads.workerData as Record<string, unknown> | undefined)?.[KEY];
    if (typeof href !== 'string') throw new Error(`workerData.${KEY} is not set`);
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
      heapUsed: process.memoryUsage().heapUsed,
      tasks: 0,
      threadId: workerThreads.threadId,
    };
  }
  return fn(task);
}

export = run;
