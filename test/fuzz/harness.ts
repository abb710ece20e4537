/**
 * The fuzz loop shared by every target: fast-check drives the inputs; each one is journaled (so a
 * process death leaves it behind), timed (so a hang or a super-linear blow-up fails), and its
 * outcome counted ('ok' or an error code). A failing property's inputs (the first failure and
 * fast-check's shrunk counterexample) are saved to the regression corpus before the test fails.
 * Memory is judged per target: the V8 heap retained after a forced GC, and the growth of the
 * process's peak RSS (a high-water mark, so even a short-lived huge allocation shows).
 */
import assert from 'node:assert/strict';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import fc from 'fast-check';
import { DocflowError, isErrorCode } from '../../src/errors/index.js';
import { runsFor, SEED, type Target } from './budget.js';
import { Journal, saveRegression, type FuzzInput } from './regressions.js';

setFlagsFromString('--expose-gc');
/** A real `gc()`, also when node was started without --expose-gc. */
export const gc = runInNewContext('gc') as () => void;

const MiB = 1024 * 1024;
/** An input slower than this counts as a hang (inputs take milliseconds). */
export const HANG_MS = 15_000;
/** Heap (and array buffers) a target may leave behind after a full GC. */
export const RETAINED_LIMIT_BYTES = 48 * MiB;
/** How far a target may push the process's peak RSS up. */
export const PEAK_LIMIT_BYTES = 1024 * MiB;

/** What one target did. */
export interface FuzzReport {
  target: Target;
  inputs: number;
  ms: number;
  /** Outcomes by count: 'ok' or an error code. */
  outcomes: Record<string, number>;
  slowestMs: number;
  heapBeforeBytes: number;
  heapAfterBytes: number;
  peakRssGrowthBytes: number;
}

/** Every report of this process, for the suite's summary. */
export const reports: FuzzReport[] = [];

/** How a target's input went: 'ok', or the code of the typed error it threw. */
export type Outcome = string;

/** Options of one target's run. */
export interface FuzzOptions {
  /** An input slower than this counts as a hang. @defaultValue HANG_MS */
  slowMs?: number;
  /** Heap a target may leave behind after a full GC. @defaultValue RETAINED_LIMIT_BYTES */
  retainedLimitBytes?: number;
}

/**
 * V8 frees the memory of collected ArrayBuffers on a background sweeper: one GC, a pause for it, and
 * another, or a 64 MiB bomb output collected a moment ago still counts as retained.
 */
async function settledGc(): Promise<void> {
  gc();
  await new Promise((r) => setTimeout(r, 100));
  gc();
}

const heapInUse = (): number => {
  const m = process.memoryUsage();
  return m.heapUsed + m.arrayBuffers;
};

/**
 * The outcome of an error: the code when it is a DocflowError with a known code starting with
 * `prefix`; anything else fails the property, with the error's stack.
 */
export function typedOutcome(err: unknown, prefix: string): Outcome {
  if (err instanceof DocflowError && isErrorCode(err.code) && err.code.startsWith(prefix)) return err.code;
  const what = err instanceof DocflowError ? `a DocflowError with code ${err.code} (expected ${prefix}*)` : `an untyped ${err instanceof Error ? err.constructor.name : typeof err}`;
  assert.fail(`threw ${what}: ${err instanceof Error ? err.stack : String(err)}`);
}

/**
 * Run `check` on `runsFor(target)` inputs from `arb` and return the report. Throws (after saving the
 * failing inputs as regressions) when an input fails `check`, hangs, or memory is not bounded.
 */
export async function fuzz<C extends FuzzInput>(target: Target, arb: fc.Arbitrary<C>, check: (c: C) => Outcome | Promise<Outcome>, opts: FuzzOptions = {}): Promise<FuzzReport> {
  const slowMs = opts.slowMs ?? HANG_MS;
  const journal = new Journal(target);
  const outcomes: Record<string, number> = {};
  let first: { input: C; why: string } | undefined;
  let slowestMs = 0;
  let heapBeforeBytes = 0;
  const rssBefore = process.resourceUsage().maxRSS * 1024;
  const started = performance.now();
  const property = fc.asyncProperty(arb, async (c) => {
    journal.write(c);
    const t0 = performance.now();
    try {
      const outcome = await check(c);
      const ms = performance.now() - t0;
      slowestMs = Math.max(slowestMs, ms);
      assert.ok(ms <= slowMs, `hang: one input took ${Math.round(ms)} ms (the limit is ${slowMs} ms)`);
      outcomes[outcome] = (outcomes[outcome] ?? 0) + 1;
    } catch (err) {
      if (!first) {
        // Kept at once: shrinking a hang can take long, and a stopped run must not lose its find.
        first = { input: c, why: err instanceof Error ? err.message : String(err) };
        saveRegression(target, c, first.why);
      }
      throw err;
    }
  });
  let details: fc.RunDetails<[C]>;
  try {
    // A few inputs first, so that what the target loads or caches once (lazy modules, tables: also
    // other test files' modules settling in the same process) is not counted as retained by the run.
    details = await fc.check(property, { numRuns: Math.min(20, runsFor(target)), seed: SEED ^ 0x5f5f });
    if (!details.failed) {
      await settledGc();
      heapBeforeBytes = heapInUse();
      details = await fc.check(property, { numRuns: runsFor(target), seed: SEED });
    }
  } finally {
    journal.clear(); // the process survived: nothing was in flight when it died
  }
  if (details.failed) {
    const saved = new Set<string>();
    if (first) saved.add(saveRegression(target, first.input, first.why)); // saved already; named in the report
    const shrunk = details.counterexample?.[0];
    if (shrunk) saved.add(saveRegression(target, shrunk, details.errorInstance instanceof Error ? details.errorInstance.message : String(details.errorInstance)));
    throw new Error(`${fc.defaultReportMessage(details)}\nkept as regressions:\n  ${[...saved].join('\n  ')}`);
  }
  const ms = performance.now() - started;
  await settledGc();
  const report: FuzzReport = {
    target, inputs: details.numRuns, ms, outcomes, slowestMs, heapBeforeBytes, heapAfterBytes: heapInUse(),
    peakRssGrowthBytes: process.resourceUsage().maxRSS * 1024 - rssBefore,
  };
  reports.push(report);
  console.log(`      ${describeReport(report)}`);
  assert.ok(report.heapAfterBytes - heapBeforeBytes < (opts.retainedLimitBytes ?? RETAINED_LIMIT_BYTES), `${target} retained ${mib(report.heapAfterBytes - heapBeforeBytes)} after GC`);
  assert.ok(report.peakRssGrowthBytes < PEAK_LIMIT_BYTES, `${target} pushed the peak RSS up by ${mib(report.peakRssGrowthBytes)}`);
  return report;
}

const mib = (n: number): string => `${(n / MiB).toFixed(1)} MiB`;

/** One line about a report. */
export function describeReport(r: FuzzReport): string {
  const codes = Object.entries(r.outcomes).sort((a, b) => b[1] - a[1]).map(([k, n]) => `${k} ${n}`).join(', ');
  return `${r.target}: ${r.inputs} inputs in ${(r.ms / 1000).toFixed(1)} s (slowest ${Math.round(r.slowestMs)} ms); heap ${mib(r.heapBeforeBytes)} -> ${mib(r.heapAfterBytes)}, peak RSS +${mib(r.peakRssGrowthBytes)}; ${codes}`;
}

/** The suite's totals: inputs, time, distinct outcomes. */
export function summary(): string {
  const inputs = reports.reduce((n, r) => n + r.inputs, 0);
  const ms = reports.reduce((n, r) => n + r.ms, 0);
  const codes = new Set(reports.flatMap((r) => Object.keys(r.outcomes)));
  const heap = reports.length > 0 ? `heap ${mib(reports[0]!.heapBeforeBytes)} -> ${mib(reports[reports.length - 1]!.heapAfterBytes)}` : '';
  return `fuzz: ${inputs} inputs over ${reports.length} targets in ${(ms / 1000).toFixed(1)} s (seed ${SEED}); ${heap}; ${codes.size} distinct outcomes: ${[...codes].sort().join(', ')}`;
}

// A root-level hook (this module is loaded once, by whichever fuzz spec comes first): the suite's
// totals after every file has run.
after(() => {
  if (reports.length > 0) console.log(`\n  ${summary()}`);
});
