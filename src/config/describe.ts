import type { ValueError } from '@sinclair/typebox/value';
import { ValueErrorType } from '@sinclair/typebox/value';
import { SECRET_KEYS } from '../../config/schema.js';

/**
 * One line for one schema violation: `nats.embedded.port: must be an integer from 0 to 65535 (got "x")`.
 * What a secret key got is shown as `***`, and credentials in any URL as `***@`: the message is
 * printed and logged.
 */
export function describeViolation(err: ValueError): string {
  const key = err.path.replace(/^\//, '').replaceAll('/', '.') || '(root)';
  const secret = SECRET_KEYS.some((k) => key === k || key.startsWith(`${k}.`));
  const got = secret ? '***' : formatValue(err.value);
  const schema = err.schema as Record<string, unknown>;
  if (err.type === ValueErrorType.ObjectAdditionalProperties || err.message.startsWith('Unexpected property')) {
    return `${key}: unknown key (check the spelling against config/default.yaml)`;
  }
  if (err.type === ValueErrorType.ObjectRequiredProperty) return `${key}: required`;
  const desc = typeof schema['description'] === 'string' ? ` — ${schema['description']}` : '';
  return `${key}: ${constraintOf(schema)} (got ${got})${desc}`;
}

function constraintOf(schema: Record<string, unknown>): string {
  const anyOf = schema['anyOf'] as Record<string, unknown>[] | undefined;
  if (anyOf && anyOf.every((s) => 'const' in s)) return `must be one of ${anyOf.map((s) => JSON.stringify(s['const'])).join(', ')}`;
  const type = schema['type'];
  const min = schema['minimum'] ?? schema['exclusiveMinimum'];
  const max = schema['maximum'];
  const range = min !== undefined && max !== undefined ? ` from ${String(min)} to ${String(max)}` : min !== undefined ? ` >= ${String(min)}` : '';
  if (type === 'integer') return `must be an integer${range}`;
  if (type === 'number') return `must be a number${range}`;
  if (type === 'string') {
    const pattern = schema['pattern'] ? ` matching ${String(schema['pattern'])}` : '';
    const minLength = schema['minLength'] ? ' (not empty)' : '';
    return `must be a string${pattern}${minLength}`;
  }
  if (type === 'array') return `must be a list${schema['minItems'] ? ` of at least ${String(schema['minItems'])}` : ''}`;
  if (type === 'object') return 'must be a mapping';
  if (type === 'boolean') return 'must be true or false';
  return 'is invalid';
}

/** The value as JSON, credentials in URLs hidden before it is cut to 60 characters (a cut could keep half a password). */
function formatValue(v: unknown): string {
  if (v === undefined) return 'nothing';
  const s = withoutCredentials(JSON.stringify(v) ?? String(v));
  return s.length > 60 ? `${s.slice(0, 57)}...` : s;
}

/** `scheme://user:password@` anywhere in `text` becomes `scheme://***@`. */
function withoutCredentials(text: string): string {
  return text.replace(/([a-z][a-z0-9+.-]*:\/\/)[^@/\s"]*@/gi, '$1***@');
}
