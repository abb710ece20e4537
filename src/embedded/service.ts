import type { ChildProcess } from 'node:child_process';
import { livePid } from './process.js';

/** What every running embedded server offers; each service adds its own fields. `stop()` is idempotent. */
export interface RunningService extends AsyncDisposable {
  readonly url: string;
  readonly port: number;
  /** Where the server's stdout and stderr go. */
  readonly logFile: string;
  /** The server's pid while it runs. */
  pid(): number | undefined;
  stop(): Promise<void>;
}

/**
 * `pid`, `stop` and `[Symbol.asyncDispose]` for one started child: `stop` runs `shutDown` once and
 * every later call returns the same promise.
 */
export function serviceHandle(child: ChildProcess, shutDown: () => Promise<void>): Pick<RunningService, 'pid' | 'stop' | typeof Symbol.asyncDispose> {
  let stopping: Promise<void> | undefined;
  const stop = (): Promise<void> => {
    stopping ??= shutDown();
    return stopping;
  };
  return { pid: () => livePid(child), stop, [Symbol.asyncDispose]: stop };
}
