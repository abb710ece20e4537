/**
 * Schema checks of messages: one compiled TypeBox validator per kind, cached for the process, then
 * the kind's `refine`. Failures list every problem (bounded) with its JSON-pointer path.
 */
import type { TSchema } from '@sinclair/typebox';
import { TypeCompiler, type TypeCheck } from '@sinclair/typebox/compiler';
import { CodecError } from '../errors/index.js';
import type { MessageKind } from '../messages/index.js';

/** One problem with one field, as in a schema error's `details`. */
export interface FieldProblem {
  /** JSON pointer of the field, e.g. `/priority`; `/` for the message as a whole. */
  path: string;
  message: string;
}

/** At most this many problems are kept in an error's `details`. */
export const MAX_SCHEMA_PROBLEMS = 20;
/** The error message names this many problems; `details` has the rest. */
const PROBLEMS_IN_MESSAGE = 3;

const compiled = new WeakMap<MessageKind, TypeCheck<TSchema>>();

function checkerOf(kind: MessageKind): TypeCheck<TSchema> {
  let check = compiled.get(kind);
  if (check === undefined) {
    check = TypeCompiler.Compile(kind.schema);
    compiled.set(kind, check);
  }
  return check;
}

/** Throw unless `kind` looks like a message kind (a name and a schema). */
export function assertKind(kind: unknown): asserts kind is MessageKind {
  const k = kind as Partial<MessageKind> | null | undefined;
  if (typeof k !== 'object' || k === null || typeof k.name !== 'string' || typeof k.schema !== 'object' || !Array.isArray(k.bytesFields)) {
    throw new CodecError('ERR_CODEC_UNKNOWN_KIND', 'not a message kind: declare one with defineKind(name, schema)');
  }
}

/** The schema error for `problems` (non-empty), details bounded to {@link MAX_SCHEMA_PROBLEMS}. */
export function schemaError(kind: MessageKind, problems: readonly FieldProblem[], more = false): CodecError {
  const details = problems.slice(0, MAX_SCHEMA_PROBLEMS);
  const shown = details.slice(0, PROBLEMS_IN_MESSAGE).map((p) => `${p.path}: ${p.message}`).join('; ');
  const rest = problems.length > PROBLEMS_IN_MESSAGE || more ? ` (and more: see details)` : '';
  return new CodecError('ERR_CODEC_SCHEMA', `invalid ${kind.name} message: ${shown}${rest}`, { details });
}

/**
 * Check `value` against the kind's schema, then its `refine`.
 *
 * @throws CodecError ERR_CODEC_SCHEMA with `details: { path, message }[]`.
 */
export function validateMessage(kind: MessageKind, value: unknown): void {
  const check = checkerOf(kind);
  if (check.Check(value)) {
    const problems = kind.refine?.(value) ?? [];
    if (problems.length > 0) throw schemaError(kind, problems.map((message) => ({ path: '/', message })));
    return;
  }
  const problems: FieldProblem[] = [];
  let more = false;
  for (const e of check.Errors(value)) {
    if (problems.length === MAX_SCHEMA_PROBLEMS) {
      more = true;
      break;
    }
    problems.push({ path: e.path === '' ? '/' : e.path, message: e.message });
  }
  if (problems.length === 0) problems.push({ path: '/', message: 'does not match the schema' });
  throw schemaError(kind, problems, more);
}
