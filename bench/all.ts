/**
 * `npm run bench`: every benchmark, one child process each (so none inherits another's warm caches or
 * heap), output shown as it comes and kept; then the report: bench-report/REPORT.md with the machine,
 * every goal line (PASS or MISS) in one table, the charts (SVG, from the data the benchmarks wrote)
 * and each benchmark's full output.
 * BENCH_ONLY=codec,cache runs some of them; BENCH_REPORT_DIR moves the report.
 */
import { execFileSync, spawn } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, release, totalmem } from 'node:os';
import { join, resolve } from 'node:path';
import { PACKAGE_ROOT } from '../src/config/load.js';
import { reportDir, type PipelineChartData } from './report.js';
import { barChart, histogram, lineChart } from './svg.js';

/** The benchmarks in the order they run. */
export const BENCHES = ['codec', 'transport', 'runtime', 'pipeline', 'splitter', 'queries', 'cache'] as const;

/** One benchmark's run. */
export interface BenchRun {
  name: string;
  code: number | null;
  seconds: number;
  output: string;
}

function runOne(name: string, env: NodeJS.ProcessEnv): Promise<BenchRun> {
  const t0 = performance.now();
  return new Promise((done) => {
    const child = spawn(process.execPath, [resolve(PACKAGE_ROOT, `dist/bench/${name}.js`)], { env, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    const keep = (chunk: Buffer, to: NodeJS.WriteStream): void => {
      output += chunk.toString();
      to.write(chunk);
    };
    child.stdout.on('data', (c: Buffer) => keep(c, process.stdout));
    child.stderr.on('data', (c: Buffer) => keep(c, process.stderr));
    child.on('close', (code) => done({ name, code, seconds: (performance.now() - t0) / 1000, output }));
  });
}

const version = (cmd: string, args: string[]): string => {
  try {
    return execFileSync(cmd, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim().split('\n')[0]!;
  } catch {
    return 'unknown';
  }
};

/** The machine, for the report's first table. */
export function machine(): Array<[string, string]> {
  const c = cpus();
  return [
    ['CPU', `${c[0]?.model ?? 'unknown'} × ${c.length}`],
    ['memory', `${(totalmem() / 2 ** 30).toFixed(1)} GiB`],
    ['kernel', `Linux ${release()}`],
    ['Node', process.version],
    ['nats-server', version('nats-server', ['--version'])],
    ['redis-server', version('redis-server', ['--version'])],
  ];
}

/**
 * Every line of a benchmark's output that carries a goal verdict. A verdict inside a section (an
 * unindented line other than the output's first, such as "relations (by entity ...)") is named after it.
 */
export function goalLines(run: BenchRun): Array<{ bench: string; line: string; verdict: 'PASS' | 'MISS' }> {
  const out: Array<{ bench: string; line: string; verdict: 'PASS' | 'MISS' }> = [];
  let section = '';
  run.output.split('\n').forEach((l, i) => {
    if (i > 0 && /^\S/.test(l)) section = l.split(/[(:]/)[0]!.trim();
    if (!/\b(PASS|MISS)\b/.test(l)) return;
    const line = l.trim().replace(/\s{2,}/g, ' ');
    out.push({ bench: run.name, line: section && /^\s/.test(l) ? `${section}: ${line}` : line, verdict: /\bMISS\b/.test(l) ? 'MISS' : 'PASS' });
  });
  return out;
}

/** The charts from the data the benchmarks wrote, as files in `dir`: [title, file name]. */
export function writeCharts(dir: string): Array<[string, string]> {
  const charts: Array<[string, string]> = [];
  const file = join(dir, 'data', 'pipeline.json');
  if (!existsSync(file)) return charts;
  const d = JSON.parse(readFileSync(file, 'utf8')) as PipelineChartData;
  const order = ['load', 'extract', 'split', 'embed', 'index', 'knowledge'];
  const stages = Object.entries(d.stageDocsPerSec).sort(([a], [b]) => order.indexOf(a) - order.indexOf(b));
  const put = (name: string, title: string, svg: string): void => {
    writeFileSync(join(dir, name), svg);
    charts.push([title, name]);
  };
  put('throughput-by-stage.svg', 'Throughput by stage', barChart('Documents per second of handler time, by stage (corpus once; includes waits for a pool thread or a batch)', 'documents/s', stages.map(([label, value]) => ({ label, value }))));
  put('latency.svg', 'Latency distribution', histogram(`Publish → indexed, one 4 KiB document on the idle pipeline (n=${d.latencyMs.length})`, 'ms', d.latencyMs));
  const mb = (s: Array<[number, number]>) => s.map(([t, b]) => [t, b / 2 ** 20] as const);
  put('rss.svg', 'RSS over time', lineChart('RSS of the docflow process during the corpus runs', 'seconds', 'MB', [{ name: 'corpus once', points: mb(d.rss.once) }, { name: 'corpus 4x (fresh process)', points: mb(d.rss.four) }]));
  return charts;
}

/** The Markdown report. */
export function renderReport(runs: readonly BenchRun[], charts: ReadonlyArray<[string, string]>, meta: { commit: string; date: string; seconds: number }): string {
  const md: string[] = [
    '# docflow bench report', '',
    `\`npm run bench\` on ${meta.date}, commit ${meta.commit}, ${(meta.seconds / 60).toFixed(1)} min. Every ratio is against a baseline run in the same process, so the machine's speed cancels out; absolute figures are this machine's.`, '',
    '## Machine', '', '| | |', '|---|---|', ...machine().map(([k, v]) => `| ${k} | ${v} |`), '',
    '## Goals', '', '| benchmark | figure | verdict |', '|---|---|---|',
    ...runs.flatMap(goalLines).map((g) => `| ${g.bench} | ${g.line.replace(/\|/g, '\\|')} | ${g.verdict === 'PASS' ? 'PASS' : '**MISS**'} |`), '',
  ];
  const failed = runs.filter((r) => r.code !== 0);
  if (failed.length > 0) md.push(`**Failed to run:** ${failed.map((r) => `${r.name} (exit ${r.code})`).join(', ')}; their output is below.`, '');
  if (charts.length > 0) {
    md.push('## Where the time goes', '');
    for (const [title, file] of charts) md.push(`### ${title}`, '', `![${title}](${file})`, '');
  }
  md.push('## Each benchmark', '');
  for (const r of runs) md.push(`### ${r.name} (${r.seconds.toFixed(1)} s${r.code === 0 ? '' : `, exit ${r.code}`})`, '', '```text', r.output.trimEnd(), '```', '');
  return md.join('\n');
}

async function main(): Promise<void> {
  const only = process.env['BENCH_ONLY']?.split(',').map((s) => s.trim()).filter(Boolean);
  const names = only ? BENCHES.filter((b) => only.includes(b)) : [...BENCHES];
  const dir = reportDir();
  rmSync(join(dir, 'data'), { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  const t0 = performance.now();
  const runs: BenchRun[] = [];
  for (const name of names) {
    process.stdout.write(`\n=== bench ${name} (${runs.length + 1}/${names.length}) ===\n`);
    runs.push(await runOne(name, { ...process.env, BENCH_REPORT_DIR: dir }));
  }
  const charts = writeCharts(dir);
  const commit = version('git', ['-C', PACKAGE_ROOT, 'rev-parse', '--short', 'HEAD']);
  const report = join(dir, 'REPORT.md');
  writeFileSync(report, renderReport(runs, charts, { commit, date: new Date().toISOString().slice(0, 16).replace('T', ' '), seconds: (performance.now() - t0) / 1000 }));
  process.stdout.write(`\nbench report: ${report} (${charts.length} charts)\n`);
  if (runs.some((r) => r.code !== 0)) process.exitCode = 1;
}

if (import.meta.url === `file://${process.argv[1]}`) await main();
