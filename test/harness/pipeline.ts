import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { IngestRun, type DocProgress } from '../../src/client/ingest-run.js';
import type { Config } from '../../src/config/load.js';
import { silentLogger, type Logger } from '../../src/log.js';
import type { IngestMessage, MessageKind } from '../../src/messages/index.js';
import { DocflowNode } from '../../src/runtime/node.js';
import type { StageDefinition } from '../../src/runtime/stage/types.js';
import { ALL_STAGES, type PipelineStageName } from '../../src/pipeline/stages.js';
import { startNats, testConfig, type NatsHarness } from './nats.js';
import { startTestPostgres } from './postgres.js';
import { startTestChroma } from './chroma.js';

/** A whole docflow pipeline on real nats-server, PostgreSQL and Chroma, for one test file. */
export interface PipelineHarness extends AsyncDisposable {
  readonly node: DocflowNode;
  readonly config: Readonly<Config>;
  readonly dir: string;
  readonly nats: NatsHarness;
  /**
   * Publish documents on `ingest` and wait for every terminal result; with `waitForBranches`, an
   * indexed document also waits for the knowledge branch's result, as `docflow ingest` does.
   */
  ingest(items: ReadonlyArray<{ msg: IngestMessage; source?: string }>, opts?: { waitForBranches?: boolean }): Promise<Map<string, DocProgress>>;
}

export async function startPipeline(opts: { overrides?: Record<string, unknown>; roots?: string[]; pipeline?: readonly PipelineStageName[]; stages?: (config: Readonly<Config>) => StageDefinition<MessageKind, MessageKind>[]; logger?: Logger } = {}): Promise<PipelineHarness> {
  const dir = mkdtempSync(join(tmpdir(), 'docflow-pipeline-'));
  const cleanup: Array<() => Promise<void>> = [];
  try {
    const nats = await startNats();
    cleanup.push(async () => { await nats[Symbol.asyncDispose](); });
    const pg = await startTestPostgres();
    cleanup.push(async () => { await pg[Symbol.asyncDispose](); });
    const chroma = await startTestChroma();
    cleanup.push(async () => { await chroma[Symbol.asyncDispose](); });
    const config = testConfig(nats.url, {
      'postgres.url': pg.url, 'chroma.url': chroma.url, 'load.roots': [dir, ...(opts.roots ?? [])], dataDir: join(dir, 'data'),
      'metrics.enabled': false,
      // without a knowledge stage, split feeds no knowledge branch (nothing would take its messages)
      ...(opts.pipeline && !opts.pipeline.includes('knowledge') ? { 'knowledge.enabled': false } : {}),
      ...opts.overrides,
    });
    const node = await DocflowNode.start(config, opts.logger ?? silentLogger, { pipeline: opts.pipeline ?? ALL_STAGES, queries: true, embeddedStores: false, ...(opts.stages ? { stages: opts.stages(config) } : {}) });
    cleanup.push(() => node.close());
    return {
      node, config, dir, nats,
      async ingest(items, opts = {}) {
        // By default it ends at the line's terminal result, as most tests were written for
        // (docflow ingest and the client wait for the knowledge branch too by default).
        const run = new IngestRun(node.transport, { waitForBranches: opts.waitForBranches ?? false });
        await run.ready();
        await run.publish(items);
        const limit = 240_000;
        const timer = new Promise<'timeout'>((r) => setTimeout(() => r('timeout'), limit).unref());
        const outcome = await Promise.race([run.done.then(() => 'done' as const), timer]);
        run.close();
        if (outcome === 'timeout') {
          const missing = [...run.docs.values()].filter((d) => !d.status).map((d) => `${d.source} (past ${[...d.stages].join(',') || 'nothing'})`);
          throw new Error(`${missing.length} document(s) without a terminal result after ${limit} ms: ${missing.slice(0, 10).join('; ')}`);
        }
        return run.docs;
      },
      async [Symbol.asyncDispose]() {
        for (const c of cleanup.reverse()) await c();
        rmSync(dir, { recursive: true, force: true });
      },
    };
  } catch (err) {
    for (const c of cleanup.reverse()) await c().catch(() => undefined);
    rmSync(dir, { recursive: true, force: true });
    throw err;
  }
}
