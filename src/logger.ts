import pino from 'pino';
import type { Logger } from './core/ports.ts';

/** Field names whose values are secrets wherever they appear in a log line. */
const REDACTED_PATHS = [
  'token',
  'password',
  'secret',
  'authorization',
  '*.token',
  '*.password',
  '*.secret',
  '*.authorization',
  'headers.authorization',
  '*.headers.authorization',
  'credentials',
  '*.credentials',
];

function escapeRegExp(value: string): string {
  return value.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/**
 * A pino logger writing JSON lines to `destination`. Secrets are redacted
 * twice by configuration: known secret fields by path, and every known
 * secret value wherever it appears (an error message quoting a token).
 */
export function createLogger(options: {
  level: string;
  secrets: readonly string[];
  destination?: NodeJS.WritableStream;
}): Logger {
  const secretPattern =
    options.secrets.length > 0 ? new RegExp(options.secrets.map(escapeRegExp).join('|'), 'g') : undefined;
  const destination = options.destination ?? process.stderr;
  const stream = {
    write(line: string): void {
      destination.write(secretPattern ? line.replace(secretPattern, '[REDACTED]') : line);
    },
  };
  return pino(
    {
      level: options.level,
      base: { app: 'araldo' },
      redact: { paths: REDACTED_PATHS, censor: '[REDACTED]' },
      serializers: { err: pino.stdSerializers.err },
      timestamp: pino.stdTimeFunctions.isoTime,
    },
    stream,
  );
}
