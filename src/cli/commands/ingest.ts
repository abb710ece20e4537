import { stat } from 'node:fs/promises';
import type { Command } from 'commander';
import { DocflowError } from '../../errors/index.js';
import { expandPaths } from '../../client/files.js';
import { IngestRun, type RunFigures } from '../../client/ingest-run.js';
import { BRANCH_STAGES, COLLECTION_NAME, METADATA_KEY } from '../../messages/index.js';
import { wholeNumber } from '../args.js';
import { commandConfig, connectClient, type GlobalOptions } from '../context.js';
import { EXIT } from '../exit.js';
import { bytes, duration } from '../format.js';
import { progressView } from '../progress.js';

interface IngestOptions extends GlobalOptions {
  collection?: string;
  priority?: 'critical' | 'high' | 'normal' | 'low';
  meta?: string[];
  all?: boolean;
  idleTimeoutMs?: string;
  json?: boolean;
}

export function registerIngest(program: Command): void {
  program
    .command('ingest')
    .description('publish documents to a running docflow, show progress per stage, wait for every result; exits 1 naming each failed document')
    .argument('<paths...>', 'files, directories (documents inside, recursively) or globs')
    .option('--collection <name>', 'target collection (default: index.collection)')
    .option('--priority <level>', 'critical | high | normal | low', 'normal')
    // one pair per --meta, repeated: a variadic option would take the paths after it as pairs too
    .option('--meta <key=value>', 'metadata kept on every chunk (filterable in search); repeat for more', (pair: string, pairs: string[] = []) => [...pairs, pair])
    .option('--all', 'in directories, take every file, not only known document types')
    .option('--idle-timeout-ms <ms>', 'give up when no result arrives for this long', '120000')
    .option('--json', 'print the summary as JSON')
    .action(async (paths: string[], opts: IngestOptions, cmd: Command) => {
      const all = { ...cmd.optsWithGlobals<GlobalOptions>(), ...opts };
      const config = commandConfig(all);
      if (all.priority && !['critical', 'high', 'normal', 'low'].includes(all.priority)) throw new DocflowError('ERR_USAGE', `--priority must be critical, high, normal or low (got "${all.priority}")`);
      if (all.collection !== undefined && !COLLECTION_NAME.test(all.collection)) throw new DocflowError('ERR_USAGE', `--collection must be 1-63 of A-Z a-z 0-9 _ - (got "${all.collection}"), as search takes it`);
      const idle = wholeNumber(all.idleTimeoutMs, 'idle-timeout-ms', 1, ' of milliseconds');
      const metadata = all.meta?.length ? parseMeta(all.meta) : undefined; // before connecting: a bad pair must not leave a connection open
      const files = await expandPaths(paths, { all: all.all ?? false });
      const sized = await Promise.all(files.map(async (path) => ({ path, size: (await stat(path)).size })));
      const transport = await connectClient(config);
      const view = all.json ? undefined : progressView();
      // An indexed document waits for the knowledge branch too (when split fed it there): when ingest
      // ends, the documents' entities and relations are queryable, not only their chunks searchable.
      const run = new IngestRun(transport, {
        ...(all.collection ? { collection: all.collection } : {}),
        ...(all.priority ? { priority: all.priority } : {}),
        ...(metadata ? { metadata } : {}),
      });
      let stalled = false;
      // Progress is redrawn on this tick, not per result: figures() walks every document of the run.
      const watchdog = setInterval(() => {
        view?.update(run.figures());
        if (run.idleMs > idle) {
          stalled = true;
          run.close();
        }
      }, 500);
      try {
        await run.ready();
        await run.publishFiles(sized);
        await run.done;
      } finally {
        clearInterval(watchdog);
        run.close();
        await transport.close();
      }
      const f = run.figures();
      view?.stop(f);
      const failed = [...run.docs.values()].filter((d) => d.status === 'failed');
      const missing = [...run.docs.values()].filter((d) => !d.status);
      if (all.json) {
        process.stdout.write(`${JSON.stringify({ ...f, failedDocuments: failed.map((d) => ({ docId: d.docId, source: d.source, error: d.error, ...(d.failedBranch ? { stage: d.failedBranch } : {}) })), missing: missing.map((d) => d.source) }, null, 2)}\n`);
      } else {
        process.stdout.write(summary(f));
        for (const d of failed) {
          const where = d.failedBranch !== undefined && d.line === 'indexed' ? ` (in the ${d.failedBranch} stage; its chunks are indexed and searchable)` : '';
          process.stdout.write(`  failed: ${d.source} (${d.docId}): ${d.error?.code ?? '?'} ${d.error?.message ?? ''}${where}\n`);
        }
        if (stalled) {
          const branchWait = missing.filter((d) => d.line === 'indexed').length;
          const waiting = branchWait > 0 ? `, ${branchWait} of them indexed and waiting for ${BRANCH_STAGES.join(', ')}` : '';
          process.stdout.write(`  no result for ${duration(idle)}; ${missing.length} document(s) have not ended yet${waiting} (is \`docflow up\` running, every stage of it? see \`docflow status\`)\n`);
        }
      }
      process.exitCode = failed.length > 0 || missing.length > 0 ? EXIT.FAILED : EXIT.OK;
    });
}

function summary(f: RunFigures): string {
  const s = f.elapsedMs / 1000;
  return `ingested ${f.total} document(s) in ${duration(f.elapsedMs)}: ${f.indexed} indexed, ${f.unchanged} unchanged, ${f.failed} failed; ${f.chunks} chunks; `
    + `${(f.total / s).toFixed(1)} docs/s, ${(f.bytes / 1048576 / s).toFixed(2)} MB/s (${bytes(f.bytes)})\n`;
}

function parseMeta(items: string[]): Record<string, string | number | boolean> {
  const out: Record<string, string | number | boolean> = {};
  for (const item of items) {
    const i = item.indexOf('=');
    if (i <= 0) throw new DocflowError('ERR_USAGE', `--meta takes key=value (got "${item}")`);
    const key = item.slice(0, i);
    if (!METADATA_KEY.test(key)) throw new DocflowError('ERR_USAGE', `--meta key "${key}" must be 1-128 of A-Z a-z 0-9 _ . - (what search's --where can filter on)`);
    const raw = item.slice(i + 1);
    // a number only when it reads back the same: "007", "1e2" and digits past 2^53 stay text
    out[key] = raw === 'true' ? true : raw === 'false' ? false : raw !== '' && Number.isFinite(Number(raw)) && String(Number(raw)) === raw ? Number(raw) : raw;
  }
  return out;
}
