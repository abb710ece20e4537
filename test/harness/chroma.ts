import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomUUID } from 'node:crypto';
import { startChroma, type RunningChroma } from '../../src/embedded/chroma.js';

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
  const dir = mkdtempSync(join(tmpdir(), 'docflow-chroma-'));
  let server: RunningChroma;
  try {
    server = await startChroma({ dataDir: dir, port: 0 });
  } catch (err) {
    rmSync(dir, { recursive: true, force: true });
    throw err;
  }
  return {
    url: server.url,
    server,
    dir,
    collection: () => `test-${randomUUID()}`,
    [Symbol.asyncDispose]: async () => {
      await server.stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/**
 * A Chroma server for the enclosing `describe`: started in `before`, stopped in `after`.
 * Call `chroma()` inside tests and hooks to get it.
 */
export function useChroma(): () => ChromaHarness {
  let harness: ChromaHarness | undefined;
  before(async function () {
    this.timeout(60_000);
    harness = await startTestChroma();
  });
  after(async () => { await harness?.[Symbol.asyncDispose](); });
  return () => {
    if (!harness) throw new Error('useChroma(): the server is not started yet (call it inside a test or hook)');
    return harness;
  };
}
