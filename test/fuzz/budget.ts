/**
 * How much the fuzz suite runs, from the environment:
 * - `DOCFLOW_FUZZ_RUNS`: inputs across the whole suite (all targets together). Each target gets a fixed
 *   share of it (`SHARES`): the decode path, which costs microseconds an input, gets most of it; the
 *   extractors, which cost milliseconds, get less. Default {@link CI_RUNS} (the CI form, well under a
 *   minute on 2 cores); 100000 is the long form.
 * - `DOCFLOW_FUZZ_SEED`: fast-check's seed, to replay a run; by default {@link CI_SEED} for the CI form and
 *   a fresh one for the long form (or with `random`). A failure
 *   prints the seed and the path to replay it (fast-check's report).
 */

/**
 * The seed of the CI form: fixed, so that npm test is repeatable. The long form (`DOCFLOW_FUZZ_RUNS` set) and
 * `DOCFLOW_FUZZ_SEED=random` draw a fresh one.
 */
export const CI_SEED = 20261129;

/** Inputs across the suite when `DOCFLOW_FUZZ_RUNS` is not set. */
export const CI_RUNS = 4000;
/** No target runs fewer inputs than this, however small the total. */
const MIN_RUNS = 10;

/** Every fuzz target and its share of the total (they sum to 1). */
export const SHARES = {
  'decode-bytes': 0.3,
  'decode-lz4': 0.15,
  'decode-msgpack': 0.2,
  'extract-text': 0.04,
  'extract-markdown': 0.04,
  'extract-man': 0.05,
  'extract-html': 0.04,
  'extract-pdf': 0.04,
  'extract-docx': 0.04,
  'extract-gzip': 0.03,
  'extract-zip': 0.04,
  'extract-worker': 0.03,
} as const;

/** A fuzz target: also the name of its folder of regressions. */
export type Target = keyof typeof SHARES;

function positiveInt(name: string, fallback: number): number {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return fallback;
  const n = Number(raw);
  if (!Number.isSafeInteger(n) || n < 1) throw new TypeError(`${name} must be a positive integer (got "${raw}")`);
  return n;
}

/** Inputs across the suite. */
export const TOTAL_RUNS = positiveInt('DOCFLOW_FUZZ_RUNS', CI_RUNS);

/** fast-check's seed for every target of this run (a 32-bit integer). */
export const SEED: number = process.env['DOCFLOW_FUZZ_SEED'] === 'random' || (!process.env['DOCFLOW_FUZZ_SEED'] && process.env['DOCFLOW_FUZZ_RUNS'])
  ? (Math.random() * 0x1_0000_0000) | 0
  : Number(process.env['DOCFLOW_FUZZ_SEED'] ?? CI_SEED) | 0;

/** Inputs for one target. */
export function runsFor(target: Target): number {
  return Math.max(MIN_RUNS, Math.round(TOTAL_RUNS * SHARES[target]));
}

