import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { Config } from '../config/load.js';

/** The file `docflow up` writes so that other commands find its embedded NATS server. */
export function runFile(config: Pick<Config, 'dataDir'>): string {
  return resolve(config.dataDir, 'run', 'nats.json');
}

/** What `docflow up` announced in its run file (absent fields: not started by it). */
export interface RunInfo {
  url?: string;
  monitorUrl?: string;
  pid?: number;
  postgresUrl?: string;
  chromaUrl?: string;
}

/** The run file of a `docflow up` on this machine, if there is a readable one. */
export function readRunFile(config: Pick<Config, 'dataDir'>): RunInfo {
  const file = runFile(config);
  if (!existsSync(file)) return {};
  try {
    return JSON.parse(readFileSync(file, 'utf8')) as RunInfo;
  } catch {
    return {}; // a half-written or stale file
  }
}

/**
 * The NATS servers a command should use: the configured ones; else the embedded server that
 * `docflow up` announced in its run file; else the embedded server's configured address.
 */
export function resolveServers(config: Pick<Config, 'dataDir' | 'nats'>): string[] {
  if (config.nats.servers.length > 0) return [...config.nats.servers];
  const file = runFile(config);
  if (existsSync(file)) {
    try {
      const run = JSON.parse(readFileSync(file, 'utf8')) as { url?: unknown };
      if (typeof run.url === 'string') return [run.url];
    } catch {
      // a half-written or stale file: fall back to the configured address
    }
  }
  const { host, port } = config.nats.embedded;
  return [`nats://${host}:${port || 4222}`];
}

/** The embedded server's data folder. */
export function natsDataDir(config: Pick<Config, 'dataDir'>): string {
  return join(resolve(config.dataDir), 'nats');
}
