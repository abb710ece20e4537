import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** A server started in a temp dir of its own. */
export interface TempDirService<S> {
  readonly server: S;
  readonly dir: string;
  /** Stop the server, then remove its dir. */
  dispose(): Promise<void>;
}

/**
 * Start a server in a fresh temp dir (`prefix` + random); the dir is removed when the start fails, and
 * by `dispose` after the server has stopped.
 */
export async function startInTempDir<S extends { stop(): Promise<void> }>(prefix: string, start: (dir: string) => Promise<S>): Promise<TempDirService<S>> {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  const remove = () => rmSync(dir, { recursive: true, force: true });
  let server: S;
  try {
    server = await start(dir);
  } catch (err) {
    remove();
    throw err;
  }
  return {
    server,
    dir,
    dispose: async () => {
      await server.stop();
      remove();
    },
  };
}

/**
 * A harness for the enclosing `describe`: started in `before`, disposed in `after`. The returned
 * accessor gives it inside tests and hooks; `name` is the caller's name for the error when it is used
 * too early. `timeoutMs` overrides mocha's timeout for the start.
 */
export function useHarness<H extends AsyncDisposable>(name: string, start: () => Promise<H>, timeoutMs?: number): () => H {
  let harness: H | undefined;
  before(async function () {
    if (timeoutMs !== undefined) this.timeout(timeoutMs);
    harness = await start();
  });
  after(async () => { await harness?.[Symbol.asyncDispose](); });
  return () => {
    if (!harness) throw new Error(`${name}(): the server is not started yet (call it inside a test or hook)`);
    return harness;
  };
}
