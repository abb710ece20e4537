/**
 * The bench report's assembly (bench/all.ts, bench/svg.ts) on made-up runs: the goal table takes
 * every PASS/MISS line, a failed benchmark is named, and the three charts are well-formed SVG whose
 * marks match the data.
 */
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DOMParser } from 'linkedom';
import { goalLines, renderReport, writeCharts, type BenchRun } from '../../bench/all.js';

const RUNS: BenchRun[] = [
  { name: 'runtime', code: 0, seconds: 12.5, output: 'runtime bench\n  ratio 2 threads / loop    1.17x   (goal >= 1.6: MISS)\n  overhead per message   0.221 ms (goal < 0.3: PASS)\n' },
  { name: 'cache', code: 1, seconds: 3, output: 'Error: redis-server not found\n' },
  { name: 'queries', code: 0, seconds: 9, output: 'queries bench\nrelations (by entity; 16 callers)\n  ratio NATS / direct   0.65x   (GOAL >= 0.7: MISS)\n' },
];

const svgOf = (file: string) => new DOMParser().parseFromString(readFileSync(file, 'utf8'), 'image/svg+xml');

describe('bench report (npm run bench)', () => {
  let dir: string;
  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'docflow-bench-report-'));
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('puts every goal line in one table with its verdict, and names a benchmark that failed to run', () => {
    assert.deepEqual(goalLines(RUNS[0]!).map((g) => g.verdict), ['MISS', 'PASS']);
    const md = renderReport(RUNS, [], { commit: 'abc1234', date: '2026-11-29 10:00', seconds: 90 });
    assert.match(md, /^# docflow bench report/);
    assert.match(md, /\| CPU \| .+ × \d+ \|/);
    assert.match(md, /\| runtime \| ratio 2 threads \/ loop 1\.17x \(goal >= 1\.6: MISS\) \| \*\*MISS\*\* \|/);
    assert.match(md, /\| runtime \| overhead per message 0\.221 ms \(goal < 0\.3: PASS\) \| PASS \|/);
    assert.match(md, /\*\*Failed to run:\*\* cache \(exit 1\)/);
    assert.match(md, /\| queries \| relations: ratio NATS \/ direct 0\.65x \(GOAL >= 0\.7: MISS\) \| \*\*MISS\*\* \|/, 'a verdict in a section is named after it');
    assert.match(md, /### cache \(3\.0 s, exit 1\)\n\n```text\nError: redis-server not found\n```/);
  });

  it('draws throughput by stage, the latency distribution and RSS over time from the pipeline data', () => {
    mkdirSync(join(dir, 'data'), { recursive: true });
    const latencyMs = [...Array.from({ length: 199 }, (_, i) => 40 + (i % 50)), 1600]; // one stray outlier
    writeFileSync(join(dir, 'data', 'pipeline.json'), JSON.stringify({
      stageDocsPerSec: { embed: 40, load: 900, extract: 12.5, index: 60, split: 300 },
      latencyMs,
      rss: { once: [[0, 300 * 2 ** 20], [1, 400 * 2 ** 20], [2, 420 * 2 ** 20]], four: [[0, 310 * 2 ** 20], [4, 500 * 2 ** 20]] },
    }));
    const charts = writeCharts(dir);
    assert.deepEqual(charts.map(([, f]) => f), ['throughput-by-stage.svg', 'latency.svg', 'rss.svg']);

    const bars = svgOf(join(dir, 'throughput-by-stage.svg'));
    const titles = [...bars.querySelectorAll('rect title')].map((t) => t.textContent);
    assert.deepEqual(titles, ['load: 900', 'extract: 12.5', 'split: 300', 'embed: 40', 'index: 60'], 'one bar per stage, in pipeline order');

    const hist = svgOf(join(dir, 'latency.svg'));
    const counts = [...hist.querySelectorAll('rect title')].map((t) => Number(t.textContent!.split(': ').at(-1)));
    assert.equal(counts.reduce((a, b) => a + b, 0), latencyMs.length, 'every sample is in a bin');
    const marks = [...hist.querySelectorAll('text')].map((t) => t.textContent).filter((t) => t?.startsWith('p'));
    assert.deepEqual(marks, ['p50 65', 'p99 89']);
    const note = [...hist.querySelectorAll('text')].map((t) => t.textContent).find((t) => t?.includes('over'));
    assert.equal(note, '1 over 111 (max 1600) in the last bin', 'the outlier does not stretch the range');

    const rss = svgOf(join(dir, 'rss.svg'));
    const lines = [...rss.querySelectorAll('polyline')].map((p) => p.getAttribute('points')!.split(' ').length);
    assert.deepEqual(lines, [3, 2], 'one line per run, one point per sample');
  });
});
