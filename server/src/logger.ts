/**
 * The one logger. Modules take a child with their name and bound ids:
 * `logger.child({ module: 'room', roomId })`.
 */
import { pino, type Logger } from 'pino';

export type { Logger };

/** Creates the root logger; pretty output only when a human watches a terminal. */
export function createLogger(level: string, { pretty = process.stdout.isTTY } = {}): Logger {
  return pino({
    level,
    base: undefined,
    redact: {
      paths: ['req.headers.authorization', 'req.headers.cookie', '*.password', '*.token'],
      censor: '[redacted]',
    },
    ...(pretty ? { transport: { target: 'pino-pretty', options: { colorize: true } } } : {}),
  });
}
