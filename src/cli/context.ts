import { loadConfig, type Config } from '../config/load.js';
import { createLogger, type Logger } from '../log.js';
import { resolveServers } from '../runtime/endpoints.js';
import { Transport } from '../transport/index.js';

/** Options every command takes. */
export interface GlobalOptions {
  config?: string;
}

/** Load and validate the configuration (exits through the caller on error). */
export function commandConfig(opts: GlobalOptions): Readonly<Config> {
  return loadConfig({ file: opts.config });
}

export function commandLogger(config: Readonly<Config>, name = 'docflow'): Logger {
  return createLogger({ level: config.log.level, name });
}

/** Connect as a client of a running docflow (no reconnect loop: a command should fail fast). */
export async function connectClient(config: Readonly<Config>, log?: Logger): Promise<Transport> {
  const quick = { ...config, nats: { ...config.nats, maxReconnectAttempts: 0 } };
  return Transport.connect(quick, { servers: resolveServers(config), ...(log ? { log } : {}) });
}
