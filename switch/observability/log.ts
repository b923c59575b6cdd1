import { pino, type Logger } from 'pino';

/** Structured JSON logs on stdout, written asynchronously so logging never stalls the hot path. */
export function createLogger(level: string): Logger {
  return pino({ level, base: { service: 'mizani' }, timestamp: pino.stdTimeFunctions.isoTime }, pino.destination({ sync: false }));
}
