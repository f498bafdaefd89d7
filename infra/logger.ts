import { pino, type Logger } from 'pino';

export type { Logger };

/** One pino logger per process; components take a child. Credentials never reach the log. */
export function createLogger(name: string, level = process.env.LOG_LEVEL ?? 'info'): Logger {
  return pino({
    name,
    level,
    redact: {
      paths: ['password', '*.password', 'passwordHash', '*.passwordHash', 'secret', '*.secret', 'token', '*.token'],
      censor: '[redacted]',
    },
  });
}

/** A silent logger for tests that do not look at logs. */
export const silentLogger: Logger = pino({ level: 'silent' });
