import { randomUUID } from 'node:crypto';
import { startChroma, type RunningChroma } from '../../src/embedded/chroma.js';
import { startInTempDir, useHarness } from './temp-service.js';

/** A real Chroma server for one test file (on a free loopback port, in a temp dir). */
export interface ChromaHarness extends AsyncDisposable {
  readonly url: string;
  readonly server: RunningChroma;
  readonly dir: string;
  /** A fresh collection name, valid for Chroma, so tests never share one. */
  collection(): string;
}

/** Start `chroma run` with a temp data dir. Fails loudly (ERR_SERVICE_*) when it cannot start. */
export async function startTestChroma(): Promise<ChromaHarness> {
  const { server, dir, dispose } = await startInTempDir('docflow-chroma-', (dataDir) => startChroma({ dataDir, port: 0 }));
  return {
    url: server.url,
    server,
    dir,
    collection: () => `test-${randomUUID()}`,
    [Symbol.asyncDispose]: dispose,
  };
}

/**
 * A Chroma server for the enclosing `describe`: started in `before`, stopped in `after`.
 * Call `chroma()` inside tests and hooks to get it.
 */
export function useChroma(): () => ChromaHarness {
  return useHarness('useChroma', startTestChroma, 60_000);
}
