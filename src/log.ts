import { pino, type Logger, type LoggerOptions } from 'pino';

export type { Logger } from 'pino';

/**
 * The structured logger: JSON lines on stderr (stdout stays for command output). Secrets are
 * redacted by key wherever they appear.
 */
export function createLogger(opts: { level?: string; name?: string; destination?: NodeJS.WritableStream } = {}): Logger {
  const options: LoggerOptions = {
    level: opts.level ?? 'info',
    base: { name: opts.name ?? 'docflow', pid: process.pid },
    redact: { paths: ['password', 'token', '*.password', '*.token', 'nats.password', 'nats.token', 'config.nats.password', 'config.nats.token'], censor: '***' },
    timestamp: pino.stdTimeFunctions.isoTime,
  };
  return pino(options, (opts.destination ?? pino.destination({ fd: 2, sync: false })) as pino.DestinationStream);
}

/** A logger that writes nothing (tests, library use without logging). */
export const silentLogger: Logger = pino({ level: 'silent' });
