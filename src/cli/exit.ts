import { DocflowError, toDocflowError } from '../errors/index.js';

/** Exit codes of the `docflow` command, documented in the README. */
export const EXIT = {
  OK: 0,
  /** The operation ran and failed (e.g. a document failed). */
  FAILED: 1,
  /** Bad usage or invalid configuration. */
  USAGE: 2,
  /** docflow or NATS cannot be reached. */
  UNREACHABLE: 3,
} as const;

const UNREACHABLE_CODES = new Set(['ERR_TRANSPORT_CONNECT', 'ERR_TRANSPORT_NO_RESPONDERS', 'ERR_TRANSPORT_TIMEOUT', 'ERR_TRANSPORT_AUTH']);

/** Print an error for a person (message, then what to do) and return the exit code it maps to. */
export function reportError(err: unknown, out: NodeJS.WritableStream = process.stderr): number {
  const e = toDocflowError(err);
  out.write(`docflow: ${e.message}\n`);
  if (e instanceof DocflowError && e.code !== 'ERR_INTERNAL') out.write(`  (${e.code}) ${e.hint}\n`);
  else if (err instanceof Error && err.stack) out.write(`${err.stack}\n`);
  if (e.code.startsWith('ERR_CONFIG_') || e.code === 'ERR_TUNE_INVALID') return EXIT.USAGE;
  if (UNREACHABLE_CODES.has(e.code)) return EXIT.UNREACHABLE;
  return EXIT.FAILED;
}
