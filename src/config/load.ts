import { readFileSync, existsSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Value } from '@sinclair/typebox/value';
import { parse as parseYaml } from 'yaml';
import { ConfigSchema, ENV_OVERRIDES, SECRET_KEYS, URL_KEYS, type Config } from '../../config/schema.js';
import { ConfigError } from '../errors/index.js';
import { describeViolation } from './describe.js';
import { redactUrl } from '../util/redact.js';

export type { Config, StreamConfig, ConsumerConfig, StageSettingsConfig } from '../../config/schema.js';

/** The folder that holds package.json, config/ and nats-server.conf. */
export const PACKAGE_ROOT: string = findPackageRoot(dirname(fileURLToPath(import.meta.url)));
/** The defaults file, always loaded first. */
export const DEFAULT_CONFIG_FILE: string = resolve(PACKAGE_ROOT, 'config', 'default.yaml');

export interface LoadConfigOptions {
  /** A YAML file merged over the defaults (also DOCFLOW_CONFIG). */
  file?: string | undefined;
  /** The environment to read DOCFLOW_* overrides from. @defaultValue process.env */
  env?: Record<string, string | undefined>;
  /** Last-applied values by dotted key, e.g. `{ 'nats.servers': ['nats://…'] }` (tests, CLI flags). */
  overrides?: Record<string, unknown>;
}

/**
 * Load the configuration once: defaults, then the user's file, then the environment, then overrides.
 * Every problem is collected; if any, a ConfigError lists them all (`details`: one line per key).
 * The result is deeply frozen.
 */
export function loadConfig(opts: LoadConfigOptions = {}): Readonly<Config> {
  const env = opts.env ?? process.env;
  const problems: string[] = [];
  let merged = readYaml(DEFAULT_CONFIG_FILE);
  const file = opts.file ?? env['DOCFLOW_CONFIG'];
  if (file) merged = deepMerge(merged, readYaml(resolve(file)));
  for (const [name, spec] of Object.entries(ENV_OVERRIDES)) {
    const raw = env[name];
    if (raw === undefined || raw === '') continue;
    const value = spec.kind === 'list' ? raw.split(',').map((s) => s.trim()).filter(Boolean) : spec.kind === 'int' ? Number(raw) : raw;
    if (spec.kind === 'int' && !Number.isInteger(value)) problems.push(`${name}: must be an integer (got "${raw}")`);
    else setPath(merged, spec.key, value);
  }
  for (const [key, value] of Object.entries(opts.overrides ?? {})) setPath(merged, key, value);
  for (const err of Value.Errors(ConfigSchema, merged)) problems.push(describeViolation(err));
  if (problems.length > 0) {
    const unique = [...new Set(problems)];
    throw new ConfigError('ERR_CONFIG_INVALID', `invalid configuration (${unique.length} problem${unique.length > 1 ? 's' : ''}):\n  - ${unique.join('\n  - ')}`, { details: unique });
  }
  return deepFreeze(merged as Config);
}

/**
 * A copy of the configuration with secrets replaced by "***" and the `user:password@` of every
 * server URL by `***@`, safe to log or print.
 */
export function redactConfig(config: Config): Config {
  const copy = structuredClone(config) as unknown as Record<string, unknown>;
  const edit = (key: string, fn: (value: unknown) => unknown) => {
    const parts = key.split('.');
    let node: Record<string, unknown> | undefined = copy;
    for (const p of parts.slice(0, -1)) node = node?.[p] as Record<string, unknown> | undefined;
    const last = parts[parts.length - 1]!;
    if (node && last in node) node[last] = fn(node[last]);
  };
  for (const key of SECRET_KEYS) edit(key, (v) => (typeof v === 'string' && v !== '' ? '***' : v));
  for (const key of URL_KEYS) edit(key, (v) => (Array.isArray(v) ? v.map((u) => redactUrl(String(u))) : typeof v === 'string' ? redactUrl(v) : v));
  return copy as unknown as Config;
}

/** The full subject for a subject relative to the prefix: `subject(cfg, 'ingest')` → `docflow.ingest`. */
export function subject(config: Pick<Config, 'subjectPrefix'>, rel: string): string {
  return `${config.subjectPrefix}.${rel}`;
}

/** The settings of one stage: stageDefaults with that stage's overrides. */
export function stageSettings(config: Pick<Config, 'stageDefaults' | 'stages'>, stage: string): Config['stageDefaults'] {
  return { ...config.stageDefaults, ...config.stages[stage] } as Config['stageDefaults'];
}

/** The settings of one stage's worker pool: poolDefaults with that pool's overrides. */
export function poolSettings(config: Pick<Config, 'poolDefaults' | 'pools'>, name: string): Config['poolDefaults'] {
  return { ...config.poolDefaults, ...config.pools[name] } as Config['poolDefaults'];
}

/** The JetStream stream name for a configured stream key: `INGEST` → `DOCFLOW_INGEST`. */
export function streamName(config: Pick<Config, 'subjectPrefix'>, key: string): string {
  return `${config.subjectPrefix.toUpperCase()}_${key}`;
}

function readYaml(path: string): Record<string, unknown> {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (cause) {
    throw new ConfigError('ERR_CONFIG_FILE', `cannot read config file ${path}: ${(cause as Error).message}`, { cause });
  }
  let doc: unknown;
  try {
    doc = parseYaml(text, { maxAliasCount: 100 });
  } catch (cause) {
    throw new ConfigError('ERR_CONFIG_FILE', `config file ${path} is not valid YAML: ${(cause as Error).message}`, { cause });
  }
  if (doc === null || doc === undefined) return {};
  if (typeof doc !== 'object' || Array.isArray(doc)) {
    throw new ConfigError('ERR_CONFIG_FILE', `config file ${path} must hold a mapping of keys, not ${Array.isArray(doc) ? 'a list' : typeof doc}`);
  }
  return doc as Record<string, unknown>;
}

const isPlainObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** Objects merge key by key; anything else (arrays included) is replaced. */
export function deepMerge(base: Record<string, unknown>, over: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = { ...base };
  for (const [k, v] of Object.entries(over)) {
    if (k === '__proto__' || k === 'constructor' || k === 'prototype') continue;
    out[k] = isPlainObject(v) && isPlainObject(out[k]) ? deepMerge(out[k] as Record<string, unknown>, v) : v;
  }
  return out;
}

function setPath(target: Record<string, unknown>, key: string, value: unknown): void {
  const parts = key.split('.');
  let node = target;
  for (const p of parts.slice(0, -1)) {
    if (!isPlainObject(node[p])) node[p] = {};
    node = node[p] as Record<string, unknown>;
  }
  node[parts[parts.length - 1]!] = value;
}

function deepFreeze<T>(value: T): T {
  if (typeof value === 'object' && value !== null && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const v of Object.values(value)) deepFreeze(v);
  }
  return value;
}

function findPackageRoot(from: string): string {
  let dir = from;
  for (;;) {
    if (existsSync(resolve(dir, 'package.json')) && existsSync(resolve(dir, 'config', 'default.yaml'))) return dir;
    const parent = dirname(dir);
    if (parent === dir) throw new ConfigError('ERR_CONFIG_FILE', `cannot find docflow's package root above ${from}`);
    dir = parent;
  }
}
