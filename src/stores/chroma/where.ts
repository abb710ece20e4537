import type { Where } from 'chromadb';
import { DocflowError } from '../../errors/index.js';
import { METADATA_KEY } from '../../messages/index.js';

/** A metadata value a filter can compare with. */
export type FilterScalar = string | number | boolean;
/** One key's condition: equality, an inclusive numeric range, or membership. */
export type FilterCondition = FilterScalar | { min?: number; max?: number } | { in: FilterScalar[] };
/** The contract's `where`: every key must match (several keys = AND). */
export type MetadataFilter = Record<string, FilterCondition>;

/** Metadata keys a filter may name. */
export const FILTER_KEY = METADATA_KEY; // the keys metadata may have at ingest
/** Bounds that keep a filter a filter, not a workload. */
export const FILTER_LIMITS = { keys: 32, inValues: 256, stringChars: 4096 } as const;

/**
 * Translate the contract's filter into Chroma's `where`, validating everything on the way: keys are
 * 1-128 of [A-Za-z0-9_.-] (so never an operator like `$or` or `#document`), values are strings,
 * finite numbers or booleans, and every value is wrapped in an explicit operator, so a hostile value
 * is only ever data. Anything else is ERR_QUERY_INVALID with every problem in `details`.
 * Returns undefined for no filter (undefined, null or `{}`).
 */
export function translateWhere(where: unknown): Where | undefined {
  if (where === undefined || where === null) return undefined;
  if (!isPlainObject(where)) throw invalid(['where must be an object of metadata keys']);
  const keys = Object.keys(where);
  const problems: string[] = [];
  if (keys.length > FILTER_LIMITS.keys) problems.push(`at most ${FILTER_LIMITS.keys} keys (got ${keys.length})`);
  const clauses: Where[] = [];
  for (const key of keys.slice(0, FILTER_LIMITS.keys)) {
    const shown = JSON.stringify(key.length > 64 ? `${key.slice(0, 64)}…` : key);
    if (!FILTER_KEY.test(key)) {
      problems.push(`key ${shown}: keys are 1-128 of A-Z a-z 0-9 _ . -`);
      continue;
    }
    const before = problems.length;
    const ops = condition((where as Record<string, unknown>)[key], (p) => problems.push(`key ${shown}: ${p}`));
    if (problems.length === before) for (const op of ops) clauses.push(clause(key, op));
  }
  if (problems.length > 0) throw invalid(problems);
  if (clauses.length === 0) return undefined;
  return clauses.length === 1 ? clauses[0] : { $and: clauses };
}

type Operator = { $eq: FilterScalar } | { $gte: number } | { $lte: number } | { $in: FilterScalar[] };

function condition(value: unknown, problem: (p: string) => void): Operator[] {
  if (isScalar(value)) {
    const why = scalarProblem(value);
    if (why) problem(why);
    return [{ $eq: value }];
  }
  if (!isPlainObject(value)) {
    problem('a condition is a string, number or boolean, { min, max } or { in: [...] }');
    return [];
  }
  const names = Object.keys(value);
  if (names.length === 1 && names[0] === 'in') return membership(value['in'], problem);
  if (names.length > 0 && names.every((n) => n === 'min' || n === 'max')) return range(value['min'], value['max'], problem);
  problem(`unknown condition ${JSON.stringify(names.slice(0, 4))}: use { min, max } or { in: [...] }`);
  return [];
}

function range(min: unknown, max: unknown, problem: (p: string) => void): Operator[] {
  const ops: Operator[] = [];
  for (const [name, v] of [['min', min], ['max', max]] as const) {
    if (v === undefined) continue;
    if (typeof v !== 'number' || !Number.isFinite(v)) problem(`${name} must be a finite number`);
    else ops.push(name === 'min' ? { $gte: v } : { $lte: v });
  }
  if (typeof min === 'number' && typeof max === 'number' && min > max) problem('min is above max');
  if (min === undefined && max === undefined) problem('a range needs min, max or both');
  return ops;
}

function membership(values: unknown, problem: (p: string) => void): Operator[] {
  if (!Array.isArray(values) || values.length === 0) {
    problem('in must be a non-empty array');
    return [];
  }
  if (values.length > FILTER_LIMITS.inValues) problem(`in takes at most ${FILTER_LIMITS.inValues} values`);
  const types = new Set(values.map((v) => typeof v));
  if (!values.every(isScalar)) problem('in values must be strings, numbers or booleans');
  else if (types.size > 1) problem('in values must all have one type (Chroma compares like with like)');
  else for (const v of values) {
    const why = scalarProblem(v);
    if (why) {
      problem(why);
      break;
    }
  }
  return [{ $in: values as FilterScalar[] }];
}

function isScalar(v: unknown): v is FilterScalar {
  return typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean';
}

function scalarProblem(v: FilterScalar): string | undefined {
  if (typeof v === 'number' && !Number.isFinite(v)) return 'numbers must be finite';
  if (typeof v === 'string' && v.length > FILTER_LIMITS.stringChars) return `strings are at most ${FILTER_LIMITS.stringChars} characters`;
  return undefined;
}

function isPlainObject(v: unknown): v is Record<string, unknown> {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) return false;
  const proto = Object.getPrototypeOf(v) as unknown;
  return proto === Object.prototype || proto === null;
}

/** `{ [key]: op }` as an own data property even for a key like `__proto__`. */
function clause(key: string, op: Operator): Where {
  return Object.fromEntries([[key, op]]) as Where;
}

function invalid(problems: string[]): DocflowError {
  return new DocflowError('ERR_QUERY_INVALID', `invalid where filter: ${problems.slice(0, 5).join('; ')}${problems.length > 5 ? ` (and ${problems.length - 5} more)` : ''}`, { details: problems });
}
