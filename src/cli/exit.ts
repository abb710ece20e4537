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
/** A request the command built from its arguments was refused as such: bad usage too. */
const USAGE_CODES = new Set(['ERR_USAGE', 'ERR_TUNE_INVALID', 'ERR_STAGE_UNKNOWN', 'ERR_QUERY_INVALID', 'ERR_QUERY_LIMIT', 'ERR_QUERY_SORT', 'ERR_CODEC_SCHEMA']);
/** At most this many of an error's `details` are printed. */
const MAX_DETAILS = 10;

/** Print an error for a person (message, then what to do) and return the exit code it maps to. */
export function reportError(err: unknown, out: NodeJS.WritableStream = process.stderr): number {
  const e = toDocflowError(err);
  out.write(`docflow: ${e.message}\n`);
  if (e instanceof DocflowError && e.code !== 'ERR_INTERNAL') out.write(`  (${e.code}) ${e.hint}\n`);
  else if (err instanceof Error && err.stack) out.write(`${err.stack}\n`);
  const details = problemsOf(e.details);
  for (const p of details.slice(0, MAX_DETAILS)) out.write(`    ${p}\n`);
  if (details.length > MAX_DETAILS) out.write(`    … and ${details.length - MAX_DETAILS} more\n`);
  if (e.code.startsWith('ERR_CONFIG_') || USAGE_CODES.has(e.code)) return EXIT.USAGE;
  if (UNREACHABLE_CODES.has(e.code)) return EXIT.UNREACHABLE;
  return EXIT.FAILED;
}

/** The `{ path, message }` problems an error carries in its details (schema and config errors), as lines. */
function problemsOf(details: unknown): string[] {
  if (!Array.isArray(details)) return [];
  return details.flatMap((d: unknown) => {
    const p = d as { path?: unknown; key?: unknown; message?: unknown } | null;
    if (typeof p !== 'object' || p === null || typeof p.message !== 'string') return [];
    const where = typeof p.path === 'string' ? p.path : typeof p.key === 'string' ? p.key : '';
    return [where ? `${where}: ${p.message}` : p.message];
  });
}
