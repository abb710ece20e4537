import { pino, type Logger, type LoggerOptions } from 'pino';

export type { Logger } from 'pino';

/** Keys whose values are secrets wherever they appear in a log line (one level of nesting, and the config). */
const REDACT_PATHS = [
  'password', 'pass', 'token', 'apiKey', 'authorization',
  '*.password', '*.pass', '*.token', '*.apiKey', '*.authorization', 'headers.authorization', '*.headers.authorization',
  'config.nats.password', 'config.nats.token', 'config.embed.http.apiKey',
];

/** `scheme://user:password@` becomes `scheme://***@`. */
const URL_CREDENTIALS = /([a-z][a-z0-9+.-]*:\/\/)[^@/\s"]*@/gi;

/**
 * The structured logger: JSON lines on stderr (stdout stays for command output). Secrets are
 * redacted by key wherever they appear, and credentials in URLs given as fields (`{ url }`) are
 * hidden too, so that a log call cannot leak a password by passing a configured URL as it is.
 */
export function createLogger(opts: { level?: string; name?: string; destination?: NodeJS.WritableStream } = {}): Logger {
  const options: LoggerOptions = {
    level: opts.level ?? 'info',
    base: { name: opts.name ?? 'docflow', pid: process.pid },
    redact: { paths: REDACT_PATHS, censor: '***' },
    formatters: { log: withoutUrlCredentials },
    timestamp: pino.stdTimeFunctions.isoTime,
  };
  return pino(options, (opts.destination ?? pino.destination({ fd: 2, sync: false })) as pino.DestinationStream);
}

/** The log line's fields, with `user:password@` removed from string fields that hold a URL. */
function withoutUrlCredentials(fields: Record<string, unknown>): Record<string, unknown> {
  let out = fields;
  for (const [k, v] of Object.entries(fields)) {
    if (typeof v === 'string' && v.includes('@') && v.includes('://')) {
      if (out === fields) out = { ...fields };
      out[k] = v.replace(URL_CREDENTIALS, '$1***@');
    }
  }
  return out;
}

/** A logger that writes nothing (tests, library use without logging). */
export const silentLogger: Logger = pino({ level: 'silent' });
