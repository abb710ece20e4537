/**
 * The bench report's data: a benchmark that has charts to offer writes them here as JSON, and
 * `bench/all.ts` (npm run bench) turns them into SVG next to the Markdown report.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { PACKAGE_ROOT } from '../src/config/load.js';

/** Where `npm run bench` writes its report: BENCH_REPORT_DIR, or bench-report/ in the project. */
export function reportDir(): string {
  return resolve(process.env['BENCH_REPORT_DIR'] ?? join(PACKAGE_ROOT, 'bench-report'));
}

/** The pipeline benchmark's series. */
export interface PipelineChartData {
  /** Documents per second of handler time in each stage (1000 / mean ms per document, waits included), corpus once. */
  stageDocsPerSec: Record<string, number>;
  /** Publish → indexed, ms, one 4 KiB document at a time on the idle pipeline. */
  latencyMs: number[];
  /** The docflow process's RSS over each corpus run: [seconds since start, bytes]. */
  rss: { once: Array<[number, number]>; four: Array<[number, number]> };
}

/** Save `data` as `<name>.json` in the report folder (a benchmark run alone writes it too: cheap). */
export function writeBenchData(name: string, data: unknown): void {
  const dir = join(reportDir(), 'data');
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, `${name}.json`), `${JSON.stringify(data)}\n`);
}
