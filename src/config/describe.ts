import type { ValueError } from '@sinclair/typebox/value';
import { ValueErrorType } from '@sinclair/typebox/value';

/** One line for one schema violation: `nats.embedded.port: must be an integer from 0 to 65535 (got "x")`. */
export function describeViolation(err: ValueError): string {
  const key = err.path.replace(/^\//, '').replaceAll('/', '.') || '(root)';
  const got = formatValue(err.value);
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

function formatValue(v: unknown): string {
  if (v === undefined) return 'nothing';
  const s = JSON.stringify(v);
  return s === undefined ? String(v) : s.length > 60 ? `${s.slice(0, 57)}...` : s;
}
