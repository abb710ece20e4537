import type { Static, TSchema } from '@sinclair/typebox';

/**
 * A message kind: its name, its schema, and what the codec needs to know to read it from JSON.
 *
 * `bytesFields` are top-level fields of type Uint8Array: msgpack carries them as `bin`, JSON as base64
 * strings. `refine` checks what a schema cannot say (e.g. "exactly one of"), returning problems.
 */
export interface MessageKind<S extends TSchema = TSchema> {
  readonly name: string;
  readonly schema: S;
  readonly bytesFields: readonly string[];
  /** Method syntax on purpose: a kind of a narrower schema still counts as a MessageKind. */
  refine?(msg: Static<S>): string[];
}

/** Declare a message kind. */
export function defineKind<S extends TSchema>(
  name: string,
  schema: S,
  opts: { bytesFields?: readonly string[]; refine?: (msg: Static<S>) => string[] } = {},
): MessageKind<S> {
  return Object.freeze({ name, schema, bytesFields: opts.bytesFields ?? [], ...(opts.refine ? { refine: opts.refine } : {}) });
}

/** The decoded type of a kind. */
export type MessageOf<K> = K extends MessageKind<infer S> ? Static<S> : never;
