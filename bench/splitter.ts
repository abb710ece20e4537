/**
 * Splitter benchmark: docflow's `split` against LangChain's RecursiveCharacterTextSplitter (`splitText`)
 * on the Python 3.11 docs' reST sources (python3.11-doc; ~500 real documents, ~11 MB), one document at
 * a time, in one process, chars mode with the same chunkSize/chunkOverlap for both. After a warm-up,
 * alternating rounds (docflow, LangChain, ...) each split the whole corpus; the median round counts.
 * Each splitter's chunks from one full pass are then checked against the guarantees: size over the
 * maximum, empty chunks, overlap over the bound, no progress over the previous chunk, non-whitespace text
 * left out of every chunk. LangChain's chunks carry no offsets, so they are located by sequential indexOf,
 * searching first from the earliest start the overlap bound allows (so repeated text is not mistaken for
 * a long overlap), then from just after the previous start, then from the previous start itself.
 * docflow's tokens mode (no LangChain equivalent here) is timed too, its sizes checked with js-tiktoken's
 * own encode.
 * Run: node dist/bench/splitter.js (npm run bench:splitter)
 */
import { readFileSync } from 'node:fs';
import { availableParallelism, loadavg } from 'node:os';
import { RecursiveCharacterTextSplitter } from '@langchain/textsplitters';
import { Tiktoken } from 'js-tiktoken/lite';
import cl100k from 'js-tiktoken/ranks/cl100k_base';
import { split, type SplitOptions } from '../src/split/index.js';
import { CORPUS_INSTALL_HINT, CORPUS_ROOT, CorpusMissingError, corpusFiles } from './corpus.js';

/** A chunk located in its document: [start, end) and its text. */
interface Located {
  start: number;
  end: number;
  text: string;
}

/** Chunks that break each guarantee, over one pass of the corpus. */
export interface Violations {
  overMax: number;
  empty: number;
  overlapOverBound: number;
  /** Chunks that start at or before the previous chunk's start. */
  stalls: number;
  /** Stretches between chunks that hold non-whitespace, and their non-whitespace characters. */
  gaps: number;
  gapChars: number;
  /** Chunks that could not be found in their document (LangChain only). */
  unlocated: number;
}

/** One splitter under one setting. */
export interface SplitterBenchCase {
  splitter: 'docflow' | 'langchain';
  options: SplitOptions;
  mbPerSec: number;
  chunks: number;
  meanSize: number;
  violations: Violations;
}

export interface SplitterBenchResult {
  documents: number;
  megabytes: number;
  cases: SplitterBenchCase[];
  /** docflow / LangChain throughput per chars setting. */
  ratios: { options: SplitOptions; ratio: number }[];
  pass: boolean;
}

export interface SplitterBenchOptions {
  /** Corpus cap in UTF-8 bytes. @defaultValue 16 MiB (the whole corpus) */
  maxBytes?: number;
  /** Settings compared with LangChain. @defaultValue 1000/200 and 500/50 chars */
  charSettings?: Array<[number, number]>;
  /** docflow-only tokens settings. @defaultValue 512/64 */
  tokenSettings?: Array<[number, number]>;
  /** Measured rounds per contender (one full corpus pass each). @defaultValue 5 */
  rounds?: number;
  /** Warm-up passes per contender. @defaultValue 2 */
  warmups?: number;
}

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

/** The reST sources, one document per file, in path order. */
function loadDocuments(maxBytes: number): string[] {
  const docs: string[] = [];
  let bytes = 0;
  for (const file of corpusFiles(`${CORPUS_ROOT}/_sources`, ['.txt'])) {
    const text = readFileSync(file, 'utf8');
    docs.push(text);
    bytes += Buffer.byteLength(text);
    if (bytes >= maxBytes) break;
  }
  return docs;
}

type Pass = (docs: string[]) => Promise<number>;

function docflowPass(o: SplitOptions): Pass {
  return async (docs) => {
    let n = 0;
    for (const d of docs) n += split(d, [], o).length;
    return n;
  };
}

function langchainPass(o: SplitOptions): Pass {
  const splitter = new RecursiveCharacterTextSplitter({ chunkSize: o.chunkSize, chunkOverlap: o.chunkOverlap });
  return async (docs) => {
    let n = 0;
    for (const d of docs) n += (await splitter.splitText(d)).length;
    return n;
  };
}

async function timed(pass: Pass, docs: string[], megabytes: number): Promise<number> {
  const t0 = performance.now();
  await pass(docs);
  return (megabytes * 1000) / (performance.now() - t0);
}

/** LangChain's chunks, found in the text one after the other. */
function locate(text: string, chunks: string[], chunkOverlap: number): { located: Located[]; unlocated: number } {
  const located: Located[] = [];
  let unlocated = 0;
  let prev: Located | undefined;
  for (const c of chunks) {
    let at = -1;
    if (prev) {
      at = text.indexOf(c, Math.max(prev.start + 1, prev.end - chunkOverlap));
      if (at < 0) at = text.indexOf(c, prev.start + 1);
      if (at < 0) at = text.indexOf(c, prev.start);
    } else at = text.indexOf(c);
    if (at < 0) {
      unlocated++;
      continue;
    }
    prev = { start: at, end: at + c.length, text: c };
    located.push(prev);
  }
  return { located, unlocated };
}

/** Add the violations of one document's chunks to `v`; `size` measures text in the unit. */
function check(text: string, chunks: Located[], o: SplitOptions, size: (s: string) => number, v: Violations): void {
  let covered = 0;
  for (let i = 0; i < chunks.length; i++) {
    const c = chunks[i]!;
    if (size(c.text) > o.chunkSize) v.overMax++;
    if (c.text.trim() === '') v.empty++;
    const prev = chunks[i - 1];
    if (prev && prev.end > c.start && size(text.slice(c.start, prev.end)) > o.chunkOverlap) v.overlapOverBound++;
    if (prev && c.start <= prev.start) v.stalls++;
    if (c.start > covered) countGap(text.slice(covered, c.start), v);
    covered = Math.max(covered, c.end);
  }
  countGap(text.slice(covered), v);
}

function countGap(gap: string, v: Violations): void {
  const chars = gap.replace(/\s+/g, '').length;
  if (chars === 0) return;
  v.gaps++;
  v.gapChars += chars;
}

const noViolations = (): Violations => ({ overMax: 0, empty: 0, overlapOverBound: 0, stalls: 0, gaps: 0, gapChars: 0, unlocated: 0 });

async function audit(splitter: SplitterBenchCase['splitter'], docs: string[], o: SplitOptions, size: (s: string) => number) {
  const v = noViolations();
  let chunks = 0;
  let total = 0;
  const lc = splitter === 'langchain' ? new RecursiveCharacterTextSplitter({ chunkSize: o.chunkSize, chunkOverlap: o.chunkOverlap }) : undefined;
  for (const text of docs) {
    let located: Located[];
    if (lc) {
      const r = locate(text, await lc.splitText(text), o.chunkOverlap);
      located = r.located;
      v.unlocated += r.unlocated;
      chunks += r.located.length + r.unlocated;
    } else {
      located = split(text, [], o);
      chunks += located.length;
    }
    for (const c of located) total += size(c.text);
    check(text, located, o, size, v);
  }
  return { violations: v, chunks, meanSize: total / Math.max(1, chunks) };
}

/**
 * Measure both splitters on the corpus, every setting.
 *
 * @throws CorpusMissingError when python3.11-doc is not installed.
 */
export async function measureSplitter(opts: SplitterBenchOptions = {}): Promise<SplitterBenchResult> {
  const o = { maxBytes: 16 * 1024 * 1024, charSettings: [[1000, 200], [500, 50]], tokenSettings: [[512, 64]], rounds: 5, warmups: 2, ...opts };
  const docs = loadDocuments(o.maxBytes);
  const megabytes = docs.reduce((a, d) => a + Buffer.byteLength(d), 0) / 1e6;
  const cases: SplitterBenchCase[] = [];
  const ratios: SplitterBenchResult['ratios'] = [];
  const chars = (s: string) => s.length;
  for (const [chunkSize, chunkOverlap] of o.charSettings as Array<[number, number]>) {
    const options: SplitOptions = { unit: 'chars', chunkSize, chunkOverlap };
    const mine = docflowPass(options);
    const theirs = langchainPass(options);
    for (let w = 0; w < o.warmups; w++) {
      await mine(docs);
      await theirs(docs);
    }
    const mineRates: number[] = [];
    const theirRates: number[] = [];
    for (let r = 0; r < o.rounds; r++) {
      mineRates.push(await timed(mine, docs, megabytes));
      theirRates.push(await timed(theirs, docs, megabytes));
    }
    const m = median(mineRates);
    const t = median(theirRates);
    cases.push({ splitter: 'docflow', options, mbPerSec: m, ...(await audit('docflow', docs, options, chars)) });
    cases.push({ splitter: 'langchain', options, mbPerSec: t, ...(await audit('langchain', docs, options, chars)) });
    ratios.push({ options, ratio: m / t });
  }
  const enc = new Tiktoken(cl100k);
  const tokens = (s: string) => enc.encode(s, [], []).length;
  for (const [chunkSize, chunkOverlap] of o.tokenSettings as Array<[number, number]>) {
    const options: SplitOptions = { unit: 'tokens', chunkSize, chunkOverlap };
    const mine = docflowPass(options);
    for (let w = 0; w < o.warmups; w++) await mine(docs);
    const rates: number[] = [];
    for (let r = 0; r < Math.min(3, o.rounds); r++) rates.push(await timed(mine, docs, megabytes));
    cases.push({ splitter: 'docflow', options, mbPerSec: median(rates), ...(await audit('docflow', docs, options, tokens)) });
  }
  return { documents: docs.length, megabytes, cases, ratios, pass: ratios.every((r) => r.ratio >= 1) };
}

/** The result as the table `npm run bench:splitter` prints. */
export function formatSplitterBench(r: SplitterBenchResult): string {
  const setting = (o: SplitOptions) => `${o.unit} ${o.chunkSize}/${o.chunkOverlap}`;
  const lines = [
    `splitter benchmark: python3.11-doc reST sources, ${r.documents} documents, ${r.megabytes.toFixed(1)} MB (UTF-8), split one by one, one process`,
    `  node ${process.version}, ${availableParallelism()} CPUs, load average ${loadavg().map((l) => l.toFixed(2)).join(' ')}`,
    '  docflow = split(text, [], options); langchain = RecursiveCharacterTextSplitter({ chunkSize, chunkOverlap }).splitText(text)',
    '  MB/s = input MB per second, median of alternating full passes after a warm-up; x LC = docflow / LangChain',
    '  guarantee breaks over one full pass: over max = chunk over chunkSize, empty = blank chunk, overlap = overlap over',
    '  chunkOverlap, stalls = chunk not starting after the previous one, gaps = stretches of non-whitespace in no chunk',
    '  (their characters), unlocated = chunk not found in the text (LangChain chunks carry no offsets: found by indexOf)',
    '',
    `  ${'setting'.padEnd(17)} ${'splitter'.padEnd(9)} ${'MB/s'.padStart(7)} ${'x LC'.padStart(6)} ${'chunks'.padStart(7)} ${'mean'.padStart(6)}  ${'over max'.padStart(8)} ${'empty'.padStart(5)} ${'overlap'.padStart(7)} ${'stalls'.padStart(6)} ${'gaps (chars)'.padStart(12)} ${'unlocated'.padStart(9)}`,
  ];
  for (const c of r.cases) {
    const ratio = c.splitter === 'docflow' ? r.ratios.find((x) => x.options === c.options)?.ratio : undefined;
    const v = c.violations;
    lines.push(
      `  ${setting(c.options).padEnd(17)} ${c.splitter.padEnd(9)} ${c.mbPerSec.toFixed(1).padStart(7)} ${(ratio === undefined ? '-' : ratio.toFixed(2)).padStart(6)} ${String(c.chunks).padStart(7)} ${c.meanSize.toFixed(0).padStart(6)}  ${String(v.overMax).padStart(8)} ${String(v.empty).padStart(5)} ${String(v.overlapOverBound).padStart(7)} ${String(v.stalls).padStart(6)} ${`${v.gaps} (${v.gapChars})`.padStart(12)} ${String(v.unlocated).padStart(9)}`,
    );
  }
  const worst = r.ratios.reduce((a, b) => (b.ratio < a.ratio ? b : a));
  lines.push('', `GOAL splitter >= 1.0x langchain: ${r.pass ? 'PASS' : 'MISS'} (lowest ${worst.ratio.toFixed(2)}x at ${setting(worst.options)})`);
  return lines.join('\n');
}

async function main(): Promise<void> {
  try {
    console.log(formatSplitterBench(await measureSplitter()));
  } catch (err) {
    if (err instanceof CorpusMissingError) {
      console.error(CORPUS_INSTALL_HINT);
      process.exitCode = 1;
      return;
    }
    throw err;
  }
}

if (import.meta.url === `file://${process.argv[1]}`) await main();
